/**
 * @module scheduler/heap — a binary heap keyed by string, with O(log n) update and delete by key
 * (the shape of kube-scheduler's internal heap used for activeQ and backoffQ).
 */

/** KeyedHeap orders items by `less` and finds them by `keyOf`. */
export class KeyedHeap<T> {
  readonly #items: T[] = [];
  readonly #pos = new Map<string, number>();
  readonly #keyOf: (item: T) => string;
  readonly #less: (a: T, b: T) => boolean;

  constructor(keyOf: (item: T) => string, less: (a: T, b: T) => boolean) {
    this.#keyOf = keyOf;
    this.#less = less;
  }

  /** size is the number of items. */
  get size(): number { return this.#items.length; }

  /** has says whether an item with `key` is present. */
  has(key: string): boolean { return this.#pos.has(key); }

  /** get returns the item with `key`. */
  get(key: string): T | undefined {
    const i = this.#pos.get(key);
    return i === undefined ? undefined : this.#items[i];
  }

  /** peek returns the least item without removing it. */
  peek(): T | undefined { return this.#items[0]; }

  /** addOrUpdate inserts the item or replaces the one with the same key, restoring heap order. */
  addOrUpdate(item: T): void {
    const key = this.#keyOf(item);
    const i = this.#pos.get(key);
    if (i !== undefined) {
      this.#items[i] = item;
      this.#fix(i);
      return;
    }
    this.#items.push(item);
    this.#pos.set(key, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  /** pop removes and returns the least item. */
  pop(): T | undefined {
    if (this.#items.length === 0) return undefined;
    const top = this.#items[0];
    this.#removeAt(0);
    return top;
  }

  /** delete removes the item with `key`; returns it when present. */
  delete(key: string): T | undefined {
    const i = this.#pos.get(key);
    if (i === undefined) return undefined;
    const item = this.#items[i];
    this.#removeAt(i);
    return item;
  }

  /** list returns the items in heap (not sorted) order. */
  list(): T[] { return this.#items.slice(); }

  #removeAt(i: number): void {
    const items = this.#items;
    const last = items.length - 1;
    this.#pos.delete(this.#keyOf(items[i]));
    if (i !== last) {
      items[i] = items[last];
      this.#pos.set(this.#keyOf(items[i]), i);
      items.pop();
      this.#fix(i);
    } else items.pop();
  }

  #fix(i: number): void {
    if (!this.#up(i)) this.#down(i);
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
    this.#pos.set(this.#keyOf(items[i]), i);
    this.#pos.set(this.#keyOf(items[j]), j);
  }

  #up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(this.#items[i], this.#items[p])) break;
      this.#swap(i, p);
      i = p;
      moved = true;
    }
    return moved;
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      const r = l + 1;
      if (r < n && this.#less(this.#items[r], this.#items[l])) m = r;
      if (!this.#less(this.#items[m], this.#items[i])) return;
      this.#swap(i, m);
      i = m;
    }
  }
}
