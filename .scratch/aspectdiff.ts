import { synthTemplates } from '../bench/apps';
const h: any = synthTemplates('hand', 2);
const d: any = synthTemplates('aspect', 2);
const norm = (t: any) => {
  const r = JSON.parse(JSON.stringify(t));
  for (const res of Object.values<any>(r.Bench0.Resources)) {
    if (res.Type === 'AWS::ECS::TaskDefinition') res.Properties.ContainerDefinitions.sort((a: any, b: any) => a.Name.localeCompare(b.Name));
    if (res.Type === 'AWS::IAM::Policy') res.Properties.PolicyDocument.Statement.sort((a: any, b: any) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return r;
};
const a = JSON.stringify(norm(h)), b = JSON.stringify(norm(d));
console.log(a === b);
let i = 0; while (i < a.length && a[i] === b[i]) i++;
console.log(a.slice(i - 300, i + 200)); console.log('---'); console.log(b.slice(i - 300, i + 200));
