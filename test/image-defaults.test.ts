import { findImageDefaults, parseImageDefaults } from '../lib/image-defaults';

describe('image defaults', () => {
  const declared = {
    'web': { entryPoint: ['/by-container'] },
    'nginx:1.27': { entryPoint: ['/by-image'], command: ['x'] },
  };
  const context = { 'nginx:1.27': { entryPoint: ['/from-context'] }, 'redis:7': { entryPoint: ['docker-entrypoint.sh'], command: ['redis-server'] } };

  test('a container name wins over an image name, which wins over the context', () => {
    expect(findImageDefaults('web', 'nginx:1.27', declared, context)).toEqual({ defaults: { entryPoint: ['/by-container'] }, source: "imageDefaults['web']" });
    expect(findImageDefaults('api', 'nginx:1.27', declared, context)).toEqual({ defaults: declared['nginx:1.27'], source: "imageDefaults['nginx:1.27']" });
    expect(findImageDefaults('cache', 'redis:7', declared, context)).toEqual({
      defaults: { entryPoint: ['docker-entrypoint.sh'], command: ['redis-server'] },
      source: "context 'cdk-enforced-fargate:imageDefaults' entry 'redis:7'",
    });
  });

  test('nothing declared is undefined, never a guess', () => {
    expect(findImageDefaults('api', 'busybox:1', declared, context)).toBeUndefined();
    expect(findImageDefaults('api', 'busybox:1', undefined, undefined)).toBeUndefined();
  });

  test('a malformed context entry is reported with its key', () => {
    expect(findImageDefaults('a', 'bad:1', undefined, { 'bad:1': { entryPoint: '/bin/sh' } }))
      .toBe("context 'cdk-enforced-fargate:imageDefaults' entry 'bad:1'.entryPoint must be a list of strings (one argv element each), got \"/bin/sh\"");
  });

  test.each([
    ['a string', 'nginx', /must be an object like/],
    ['a list', ['/bin/sh'], /must be an object like/],
    ['an unknown key', { entrypoint: ['/x'] }, /unknown key\(s\) 'entrypoint': only 'entryPoint' and 'command' are read/],
    ['a non-string element', { command: ['a', 1] }, /\.command must be a list of strings/],
  ])('parseImageDefaults rejects %s', (_n, value, message) => {
    expect(parseImageDefaults(value, 'x')).toMatch(message);
  });

  test('parseImageDefaults keeps empty lists (they mean "the image has none")', () => {
    expect(parseImageDefaults({ entryPoint: [], command: [] }, 'x')).toEqual({ entryPoint: [], command: [] });
    expect(parseImageDefaults({ entryPoint: ['/x'], digest: 'sha256:ab' }, 'x')).toEqual({ entryPoint: ['/x'], command: undefined });
  });
});
