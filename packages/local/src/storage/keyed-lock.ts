/**
 * Runs async work one at a time per id (an object's key, a multipart upload): each run starts after the
 * previous one for the same id settled, whether it succeeded or failed. Ids with nothing queued hold no memory.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(id) ?? Promise.resolve();
    const result = before.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(id, settled);
    try {
      return await result;
    } finally {
      if (this.tails.get(id) === settled) this.tails.delete(id);
    }
  }
}
