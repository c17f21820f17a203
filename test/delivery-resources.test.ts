import * as fc from 'fast-check';
import { builtInDockerfile } from '../lib/delivery-resources';

const SPEC = {
  applicationImage: 'registry.example.com/app:2.0',
  enforcerImage: 'registry.example.com/enforcer:1.0',
  filesDirectory: '/opt/enforcer/bin',
  binaryPath: '/opt/enforcer/bin/enforce',
  entryPoint: ['/opt/enforcer/bin/enforce', 'run', '--', '/usr/bin/app'],
  command: ['serve', '--port', '8080'],
};

describe('builtInDockerfile', () => {
  test('copies the files from the enforcer image, labels, and restates ENTRYPOINT and CMD in exec form', () => {
    expect(builtInDockerfile(SPEC).split('\n').filter(l => !l.startsWith('#'))).toEqual([
      'FROM registry.example.com/enforcer:1.0 AS enforcer',
      '',
      'FROM registry.example.com/app:2.0',
      'COPY --from=enforcer ["/opt/enforcer/bin","/opt/enforcer/bin"]',
      'LABEL "cdk-enforced-fargate.delivery"="built-in" "cdk-enforced-fargate.binary"="/opt/enforcer/bin/enforce"',
      'ENTRYPOINT ["/opt/enforcer/bin/enforce","run","--","/usr/bin/app"]',
      'CMD ["serve","--port","8080"]',
      '',
    ]);
  });

  test('an image with no CMD gets CMD [] (a Dockerfile ENTRYPOINT would reset it anyway)', () => {
    expect(builtInDockerfile({ ...SPEC, command: [] })).toContain('\nCMD []\n');
  });

  test('every argv element stays one element, whatever it contains', () => {
    fc.assert(fc.property(fc.array(fc.string(), { maxLength: 6 }), fc.array(fc.string(), { maxLength: 6 }), (entryPoint, command) => {
      const lines = builtInDockerfile({ ...SPEC, entryPoint, command }).split('\n');
      const json = (prefix: string) => JSON.parse(lines.find(l => l.startsWith(prefix))!.slice(prefix.length));
      expect(json('ENTRYPOINT ')).toEqual(entryPoint);
      expect(json('CMD ')).toEqual(command);
    }));
  });
});
