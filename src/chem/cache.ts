/**
 * A Map that forgets its oldest entries beyond `capacity`, so a long-running
 * server fed many distinct molecules does not grow without bound. Campaigns
 * use far fewer molecules than the capacities chosen, so in practice nothing
 * is evicted and lookups return the very same object every time.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): V {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return value;
  }

  getOrCreate(key: K, create: () => V): V {
    const cached = this.entries.get(key);
    return cached !== undefined ? cached : this.set(key, create());
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
