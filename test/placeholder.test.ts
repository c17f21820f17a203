import { neededImageDefaults } from '../lib/entry-command';
test('placeholder', () => { expect(neededImageDefaults({ entryPoint: ['a'] })).toEqual([]); });
