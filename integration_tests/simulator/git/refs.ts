import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// Refs read from the repository's files, as git's files backend writes them (gitrepository-layout:
// loose refs under refs/, which win over packed-refs; HEAD holds "ref: <name>"). Starting a git
// process costs milliseconds, tens of them on a loaded two-core runner, and moves and the server
// look refs up all the time; reading two small files costs microseconds.

const ID = /^[0-9a-f]{40}$/;

function looseRefs(gitDir: string, dir: string, out: Map<string, string>): void {
  const abs = join(gitDir, dir);
  if (!existsSync(abs)) return;
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const name = `${dir}/${e.name}`;
    if (e.isDirectory()) looseRefs(gitDir, name, out);
    else if (e.isFile() && !e.name.endsWith(".lock")) {
      const id = readFileSync(join(gitDir, name), "utf8").trim();
      if (ID.test(id)) out.set(name, id);
    }
  }
}

/** Full ref name → the object id it holds (for an annotated tag: the tag object, not peeled). */
export function readRefs(gitDir: string): Map<string, string> {
  const refs = new Map<string, string>();
  const packed = join(gitDir, "packed-refs");
  if (existsSync(packed)) {
    for (const line of readFileSync(packed, "utf8").split("\n")) {
      if (line === "" || line.startsWith("#") || line.startsWith("^")) continue;
      const [id, name] = line.split(" ");
      if (id && name && ID.test(id)) refs.set(name, id);
    }
  }
  looseRefs(gitDir, "refs", refs);
  return refs;
}

/** The ref HEAD names, e.g. "refs/heads/main" (it need not exist). */
export function readHead(gitDir: string): string {
  const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
  if (!head.startsWith("ref: ")) throw new Error(`git simulator: HEAD of ${gitDir} is detached`);
  return head.slice(5);
}
