/**
 * A mutex per key (one per repository, one per checked-out commit) so concurrent
 * callers queue instead of running two git processes that change the same files.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier call for `key` has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>(resolve => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // Forget the key when nobody queued behind us, so the map does not grow.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
