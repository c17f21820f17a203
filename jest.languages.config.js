/** `npm run test:languages`: the Python, Java and Go proofs (test/*.lang.ts); slow, needs `npm run package` first. */
const base = require('./jest.config');
module.exports = { ...base, testMatch: ['**/*.lang.ts'], testTimeout: 30 * 60 * 1000 };
