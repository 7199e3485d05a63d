// Deterministic hashing and pseudo-random numbers. Everything the simulator generates is a pure
// function of (seed, what, where), so pages can be rebuilt on demand instead of being stored.

/** lowbias32 finaliser: a cheap, well-mixed 32-bit permutation. */
export function mix32(input: number): number {
  let x = input >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines a few 32-bit integers into one well-mixed 32-bit hash (order matters). */
export function hash32(a: number, b = 0, c = 0, d = 0, e = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b | 0, 0x85ebca6b) ^ (b / 0x100000000));
  h = mix32(h ^ Math.imul(c | 0, 0xc2b2ae35) ^ (c / 0x100000000));
  h = mix32(h ^ Math.imul(d | 0, 0x27d4eb2f) ^ (d / 0x100000000));
  h = mix32(h ^ Math.imul(e | 0, 0x165667b1) ^ (e / 0x100000000));
  return h;
}

/** FNV-1a over UTF-16 code units, then mixed: turns labels into hash inputs. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A float in [0, 1) from a hash. */
export function unit(h: number): number {
  return (h >>> 0) / 0x100000000;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/** A hex string of `chars` characters derived from a hash stream. */
export function hexOf(h: number, chars: number): string {
  let out = "";
  let x = h;
  while (out.length < chars) {
    x = mix32(x + 0x6d2b79f5);
    out += hex8(x);
  }
  return out.slice(0, chars);
}

/** `{xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx}` as Bitbucket Cloud writes UUIDs. */
export function uuidOf(h: number): string {
  const hex = hexOf(h, 32);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

/** mulberry32: a small seeded stream for sequential generation of the world model. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = mix32(seed ^ 0xa5a5a5a5);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  float(): number {
    return this.next() / 0x100000000;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.float() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return pickBy(items, this.next());
  }
}

/** Picks an element from a non-empty list by hash. */
export function pickBy<T>(items: readonly T[], h: number): T {
  const item = items[(h >>> 0) % items.length];
  if (item === undefined) throw new Error("pickBy: empty list");
  return item;
}
