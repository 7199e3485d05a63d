import { git } from "./exec.js";

// Writes many commits with one `git fast-import` process: a history of thousands of commits
// builds in a fraction of a second, where one `git commit` per commit would take minutes. Every
// author, committer and date is explicit, so the same script gives the same commit ids.

export interface Identity {
  name: string;
  email: string;
}

export interface CommitSpec {
  /** Parents in git order: commit ids, or marks returned by earlier `commit()` calls of the batch. */
  parents: readonly string[];
  author: Identity;
  /** Epoch ms; git keeps whole seconds. */
  authorMs: number;
  committer: Identity;
  committerMs: number;
  message: string;
  /** Root tree to start from instead of the first parent's (a rewrite keeps the original tree). */
  baseTree?: string;
  /** Files written on top of that tree: path → content. */
  files?: Readonly<Record<string, string>>;
}

/** Commits are filed under this ref while importing; the batch deletes it at its end. */
const SCRATCH_REF = "refs/sim/fast-import";
export const NULL_ID = "0".repeat(40);

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function person(kind: "author" | "committer", who: Identity, ms: number): string {
  return `${kind} ${who.name} <${who.email}> ${Math.floor(ms / 1000)} +0000\n`;
}

export class FastImportBatch {
  private readonly parts: string[] = ["feature done\n"];
  private readonly marks: string[] = [];
  private readonly refUpdates = new Map<string, string>();
  private latest = 0;

  get commits(): number {
    return this.marks.length;
  }

  /** The latest author or committer date (ms) in the batch; 0 without commits. */
  get latestMs(): number {
    return this.latest;
  }

  /** Adds a commit; returns its mark (":n"), usable as a parent or ref target in this batch. */
  commit(spec: CommitSpec): string {
    const mark = `:${this.marks.length + 1}`;
    this.marks.push(mark);
    this.latest = Math.max(this.latest, spec.authorMs, spec.committerMs);
    const [first, ...others] = spec.parents;
    const out = this.parts;
    // Without a `from`, fast-import would continue from the scratch ref's last commit.
    if (first === undefined) out.push(`reset ${SCRATCH_REF}\n\n`);
    out.push(`commit ${SCRATCH_REF}\nmark ${mark}\n`);
    out.push(person("author", spec.author, spec.authorMs));
    out.push(person("committer", spec.committer, spec.committerMs));
    out.push(data(spec.message.endsWith("\n") ? spec.message : `${spec.message}\n`));
    if (first !== undefined) out.push(`from ${first}\n`);
    for (const p of others) out.push(`merge ${p}\n`);
    if (spec.baseTree !== undefined) out.push(`M 040000 ${spec.baseTree} ""\n`);
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      out.push(`M 100644 inline ${path}\n`, data(content));
    }
    out.push("\n");
    return mark;
  }

  /** Points `ref` at a commit id or mark when the batch ends (forced, as a force-push is). */
  setRef(ref: string, target: string): void {
    this.refUpdates.set(ref, target);
  }

  deleteRef(ref: string): void {
    this.refUpdates.set(ref, NULL_ID);
  }

  /** The fast-import stream; `get-mark` lines make fast-import print each new id in mark order. */
  stream(): string {
    const tail: string[] = [];
    for (const [ref, target] of [...this.refUpdates, [SCRATCH_REF, NULL_ID] as const]) {
      tail.push(`reset ${ref}\nfrom ${target}\n\n`);
    }
    for (const m of this.marks) tail.push(`get-mark ${m}\n`);
    tail.push("done\n");
    return this.parts.join("") + tail.join("");
  }
}

/** Runs the batch; returns the id of every mark. */
export function runFastImport(gitDir: string, batch: FastImportBatch): Map<string, string> {
  const out = git(gitDir, ["fast-import", "--quiet", "--force", "--done"], batch.stream());
  const ids = out.split("\n").filter((l) => l !== "");
  const byMark = new Map(ids.map((id, i) => [`:${i + 1}`, id] as const));
  if (byMark.size !== batch.commits) {
    throw new Error(`fast-import returned ${byMark.size} ids for ${batch.commits} commits`);
  }
  return byMark;
}
