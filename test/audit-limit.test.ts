import { Limiter } from '../lib/audit/limit';

describe('Limiter', () => {
  test('never runs more than its limit at once, and runs everything', async () => {
    // GIVEN
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    // WHEN
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise(r => setTimeout(r, (i % 4) * 3));
      active--;
      return i * 2;
    })));
    // THEN
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    expect(limiter.peak).toBe(3);
  });

  test('a failing call frees its slot and rejects only its own promise', async () => {
    const limiter = new Limiter(1);
    const failed = limiter.run(async () => { throw new Error('boom'); });
    const next = limiter.run(async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  test.each([0, -1, 1.5, NaN])('refuses a limit of %p', limit => {
    expect(() => new Limiter(limit)).toThrow(/concurrency must be a positive integer/);
  });
});
