/**
 * Bounds how many API calls are in flight at once. A dozen lines, so not worth a bundled
 * dependency (the well-known `p-limit` is ESM-only and would be one more bundled package).
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most calls that were in flight at once (for the report and the tests). */
  public peak = 0;

  constructor(public readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  }

  /** Runs fn when a slot is free; the slot passes straight to the next waiter when fn settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>(resolve => this.waiting.push(resolve));
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
