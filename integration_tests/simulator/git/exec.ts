import { spawnSync } from "node:child_process";

// Runs the git CLI against one bare repository, isolated from whoever runs the tests: no user or
// system configuration (a global log.showSignature or gc.auto would change output or timing), no
// GIT_* variables leaking in from a hook that runs the tests.

/**
 * glibc returns freed memory to the kernel eagerly; fast-import and repack allocate and free in a
 * tight loop, so without a top pad most of their time goes to brk() (2 s instead of 0.2 s for
 * 5,000 commits). Other C libraries ignore the variable.
 */
const MALLOC_TOP_PAD = String(64 * 1024 * 1024);

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  env.GIT_TERMINAL_PROMPT = "0";
  env.LC_ALL = "C";
  env.MALLOC_TOP_PAD_ = MALLOC_TOP_PAD;
  return env;
}

const ENV = gitEnv();

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} exited ${status}: ${stderr.trim().slice(0, 2000)}`);
  }
}

export interface GitResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git and returns whatever it said, whatever its exit status. */
export function tryGit(gitDir: string, args: readonly string[], input?: string): GitResult {
  const r = spawnSync("git", [`--git-dir=${gitDir}`, ...args], {
    input,
    env: ENV,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs git; throws GitError unless it exits 0. */
export function git(gitDir: string, args: readonly string[], input?: string): string {
  const r = tryGit(gitDir, args, input);
  if (r.status !== 0) throw new GitError(args, r.status, r.stderr);
  return r.stdout;
}

export function lines(out: string): string[] {
  return out.split("\n").filter((l) => l !== "");
}
