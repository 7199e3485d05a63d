import { hash32 } from "../hash.js";
import { commitMessage, makePeople } from "../names.js";
import type { CommitSpec, Identity } from "./fast-import.js";

// Who wrote a commit, what it says and what it changes: pure functions of a serial number, so a
// script gives the same ids every run. The people are fixed (not the simulator's seed) so that the
// git mode maps the same e-mail addresses to Bitbucket users whatever seed a test starts it with.

export const GIT_PEOPLE = makePeople(0x917, "git", 12);

const SALT = 0x917c;

/** Two authors in three have a Bitbucket account (matched by e-mail); the rest are bots and personal addresses. */
function identity(h: number): Identity {
  const { mapped, unmapped } = GIT_PEOPLE;
  if (h % 3 === 0) {
    const p = unmapped[(h >>> 2) % unmapped.length];
    if (p) return { name: p.name, email: p.email };
  }
  const p = mapped[(h >>> 2) % mapped.length];
  if (!p) throw new Error("GIT_PEOPLE has no mapped people");
  return { name: p.displayName, email: p.email };
}

export interface AuthoredOptions {
  message?: string;
  /** Author date (ms); default: the committer date, or up to a day before it for one commit in five. */
  authorMs?: number;
  files?: Readonly<Record<string, string>>;
}

/** Commit number `serial` of a repository, committed at `committerMs`. */
export function authoredCommit(
  serial: number,
  parents: readonly string[],
  committerMs: number,
  opts: AuthoredOptions = {},
): CommitSpec {
  const h = hash32(SALT, serial);
  const author = identity(h);
  // Now and then someone else applied the change (a maintainer, a merge bot).
  const committer = (h >>> 9) % 8 === 0 ? identity(hash32(h, 1)) : author;
  const rebased = (h >>> 13) % 5 === 0;
  const authorMs = opts.authorMs ?? (rebased ? committerMs - ((h >>> 16) % 86_400) * 1000 : committerMs);
  const message = opts.message ?? commitMessage(hash32(SALT, serial, 1));
  return {
    parents,
    author,
    authorMs,
    committer,
    committerMs,
    message,
    // One small file for every commit: its content (with the serial) makes every tree, hence every
    // id, unique, and small trees keep fast-import quick (a file per branch made it three times slower).
    files: opts.files ?? { "CHANGES.txt": `${message}\n#${serial}\n` },
  };
}

export function mergeMessage(sources: readonly string[], into: string): string {
  if (sources.length === 1) return `Merge branch '${sources[0]}' into ${into}`;
  const quoted = sources.map((s) => `'${s}'`);
  return `Merge branches ${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)} into ${into}`;
}
