import { hash32, hex8, mix32 } from "./hash.js";

// Commit ids are 40-hex strings that *encode* where the commit lives, so that the server can tell
// known from unknown ids in O(1) without a map of every id (1M-commit deployments must stay small).
//
// Layout of the 64-bit payload: hi = ns(2) | repo(14) | major(16), lo = minor(32).
// The payload is scrambled with a seed-keyed 4-round Feistel network (so ids look random and differ
// per seed) and followed by 96 bits derived from the payload by hashing, which act as a checksum:
// a random or mistyped 40-hex string decodes to a payload whose checksum does not match.

export const NS_CLOUD_PR_COMMIT = 0; // repo, major = pull request id, minor = index in the PR
export const NS_DC_COMMIT = 1; // repo, major = generation, minor = index in the generation
export const NS_CLOUD_BASE = 2; // repo, major = pull request id: the destination-branch commit
export const NS_CLOUD_MERGE = 3; // repo, major = pull request id: the merge commit

export const MAX_REPO = 0x3fff;
export const MAX_MAJOR = 0xffff;

export interface CommitKey {
  ns: number;
  repo: number;
  major: number;
  minor: number;
}

const HEX40 = /^[0-9a-f]{40}$/;

export class CommitIdCodec {
  private readonly keys: number[];
  private readonly tailKey: number;

  constructor(seed: number) {
    this.keys = [1, 2, 3, 4].map((i) => hash32(seed, 0x1d5, i));
    this.tailKey = hash32(seed, 0x7a11);
  }

  encode(ns: number, repo: number, major: number, minor: number): string {
    if (repo < 0 || repo > MAX_REPO) throw new RangeError(`repository number ${repo} out of range`);
    if (major < 0 || major > MAX_MAJOR) throw new RangeError(`major ${major} out of range`);
    if (minor < 0 || minor > 0xffffffff) throw new RangeError(`minor ${minor} out of range`);
    const hi = (((ns & 3) << 30) | (repo << 16) | major) >>> 0;
    const lo = minor >>> 0;
    let l = hi;
    let r = lo;
    for (const k of this.keys) {
      const next = (l ^ mix32(r ^ k)) >>> 0;
      l = r;
      r = next;
    }
    return hex8(l) + hex8(r) + this.tail(hi, lo);
  }

  /** The key of a well-formed id this codec produced, or undefined for anything else. */
  decode(id: string): CommitKey | undefined {
    if (!HEX40.test(id)) return undefined;
    let l = Number.parseInt(id.slice(0, 8), 16);
    let r = Number.parseInt(id.slice(8, 16), 16);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i] ?? 0;
      const prev = (r ^ mix32(l ^ k)) >>> 0;
      r = l;
      l = prev;
    }
    const hi = l >>> 0;
    const lo = r >>> 0;
    if (id.slice(16) !== this.tail(hi, lo)) return undefined;
    return { ns: hi >>> 30, repo: (hi >>> 16) & MAX_REPO, major: hi & MAX_MAJOR, minor: lo };
  }

  private tail(hi: number, lo: number): string {
    const a = hash32(this.tailKey, hi, lo);
    const b = hash32(a, lo, 1);
    const c = hash32(b, hi, 2);
    return hex8(a) + hex8(b) + hex8(c);
  }
}
