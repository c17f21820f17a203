/**
 * Compares task definitions of two syntheses of the same construct tree, whatever logical-id
 * hashes each produced (the language proofs and the README's quick start use it).
 */

export type CfnTemplate = { Resources: { [id: string]: { Type: string; Properties?: any } } };

/**
 * Replaces every logical id in Ref / Fn::GetAtt / Fn::Sub by `<type>:<id without its hash>`, and
 * drops the hash from generated names (the task family), so that two syntheses of the same
 * construct tree compare equal whatever hashes they produced.
 */
export function normalize(template: CfnTemplate, value: unknown): unknown {
  const resources = template.Resources;
  const stripHash = (id: string) => id.replace(/[0-9A-F]{8}$/, '');
  const name = (id: string) => (resources[id] ? `${resources[id].Type}:${stripHash(id)}` : id);
  const walk = (v: any): any => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: any = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Ref' && typeof x === 'string') out[k] = name(x);
      else if (k === 'Fn::GetAtt' && Array.isArray(x)) out[k] = [name(x[0] as string), ...x.slice(1)];
      else if (k === 'Fn::Sub' && typeof x === 'string') out[k] = x.replace(/\$\{([^}.!]+)/g, (_m, id) => '${' + name(id));
      else if (k === 'Family' && typeof x === 'string') out[k] = stripHash(x);
      else out[k] = walk(x);
    }
    return out;
  };
  return walk(value);
}

/** Every AWS::ECS::TaskDefinition's properties, normalized. */
export function taskDefinitions(template: CfnTemplate): unknown[] {
  return Object.values(template.Resources)
    .filter(r => r.Type === 'AWS::ECS::TaskDefinition')
    .map(r => normalize(template, r.Properties));
}
