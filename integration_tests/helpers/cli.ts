import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { secretsOf } from "../../src/config/load.js";
import { proxySecrets } from "../../src/http/proxy.js";
import { assertValidMessage } from "../../test/helpers/protocol.js";

/** The built connector, as the platform runs it. `npm test` builds it first. */
export const BIN = new URL("../../dist/main.js", import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: protocol messages are inspected field by field in tests
export type Message = Record<string, any>;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  messages: Message[];
  stdout: string;
  stderr: string;
}

/** Every stdout and stderr text produced by CLI runs in this process, for the secret sweep. */
export const transcript: string[] = [];

export interface CliOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  bin?: string;
  raw?: boolean;
  /** Sends SIGKILL once this holds for the stdout so far (a crash mid-read). */
  killWhen?: (stdoutSoFar: string) => boolean;
  /** Node options placed before the bin (e.g. PEAK_RSS_PRELOAD). */
  nodeArgs?: string[];
  /**
   * Each stdout line as it arrives, swept for secrets and then dropped instead of kept: for a run
   * that prints hundreds of megabytes. `stdout` and `messages` of the result are then empty.
   */
  onLine?: (line: string) => void;
}

/** A running CLI: the child (for signals and closing its stdout) and what it will have printed. */
export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  result: Promise<CliResult>;
}

/**
 * Runs the CLI and parses stdout. Fails the test when stdout holds anything but valid Airbyte
 * messages, one per line.
 */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

/** Starts the CLI; its result is checked as runCli's is (the secret sweep included). */
export function startCli(args: string[], opts: CliOptions = {}): RunningCli {
  // A variable set to undefined in `opts.env` is left out (e.g. NODE_EXTRA_CA_CERTS of the machine).
  const env = Object.fromEntries(
    Object.entries({ ...process.env, ...opts.env }).filter(([, v]) => v !== undefined),
  );
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? BIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let soFar = "";
    const lines = opts.onLine ? lineSplitter(args, opts.env, opts.onLine) : undefined;
    child.stdout.on("data", (c: Buffer) => {
      if (lines) {
        lines.push(c);
        return;
      }
      out.push(c);
      if (!opts.killWhen) return;
      soFar += c.toString("utf8");
      if (opts.killWhen(soFar)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      transcript.push(stdout, stderr);
      try {
        lines?.end();
        assertNoSecrets(args, stdout, stderr, opts.env);
        resolve({ code, signal, messages: opts.raw ? [] : parseMessages(stdout), stdout, stderr });
      } catch (e) {
        reject(e);
      }
    });
  });
  return { child, result };
}

/** Splits stdout into lines for `onLine`, sweeping each for secrets (lines are whole, so no secret is cut). */
function lineSplitter(args: string[], env: NodeJS.ProcessEnv | undefined, onLine: (line: string) => void) {
  const decoder = new StringDecoder("utf8");
  const secrets = secretForms(args, env);
  let partial = "";
  const emit = (line: string) => {
    sweep(secrets, args, line, "");
    onLine(line);
  };
  return {
    push(chunk: Buffer) {
      const parts = (partial + decoder.write(chunk)).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) emit(line);
    },
    end() {
      const rest = partial + decoder.end();
      if (rest) emit(rest);
    },
  };
}

/**
 * The secret sweep: no run may print a secret of the config it was given, in any form a client
 * sends it (plain, URL-encoded, or inside a Basic credential), nor the password of a proxy URL of
 * its environment, on stdout or stderr.
 */
export function assertNoSecrets(
  args: string[],
  stdout: string,
  stderr: string,
  env: NodeJS.ProcessEnv = {},
): void {
  sweep(secretForms(args, env), args, stdout, stderr);
}

function sweep(secrets: string[], args: string[], stdout: string, stderr: string): void {
  for (const secret of secrets) {
    if (stdout.includes(secret) || stderr.includes(secret))
      throw new Error(`a secret of the config or of a proxy URL leaked into the output of ${args[0]}`);
  }
}

/**
 * Every form a secret is sent in (plain, URL-encoded, inside a Basic credential); the shortest
 * are left out only because they would match ordinary text of the run.
 */
function secretForms(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  return [...configSecrets(args), ...proxySecrets(env)]
    .flatMap((s) => [s, encodeURIComponent(s)])
    .filter((s) => s.length >= 4);
}

function configSecrets(args: string[]): string[] {
  const i = args.indexOf("--config");
  if (i < 0 || !args[i + 1]) return [];
  try {
    return secretsOf(JSON.parse(readFileSync(args[i + 1]!, "utf8")));
  } catch {
    return []; // not JSON: nothing to leak
  }
}

export function parseMessages(stdout: string): Message[] {
  const lines = stdout.split("\n").filter((l) => l.length > 0);
  return lines.map((line, i) => {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
    }
    assertValidMessage(m);
    return m;
  });
}

/** A fresh temporary directory with the given JSON files; returns their paths. */
export function writeFiles(files: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "source-bitbucket-"));
  const paths: Record<string, string> = { dir };
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
    paths[name] = p;
  }
  return paths;
}

export const byType = (ms: Message[], type: string) => ms.filter((m) => m.type === type);
export const records = (ms: Message[], stream?: string) =>
  ms
    .filter((m) => m.type === "RECORD" && (stream === undefined || m.record.stream === stream))
    .map((m) => m.record.data as Message);
export const states = (ms: Message[], stream?: string) =>
  ms.filter(
    (m) => m.type === "STATE" && (stream === undefined || m.state.stream.stream_descriptor.name === stream),
  );
export const statuses = (ms: Message[], stream: string) =>
  ms
    .filter(
      (m) =>
        m.type === "TRACE" &&
        m.trace.type === "STREAM_STATUS" &&
        m.trace.stream_status.stream_descriptor.name === stream,
    )
    .map((m) => m.trace.stream_status.status as string);
export const errors = (ms: Message[]) =>
  ms.filter((m) => m.type === "TRACE" && m.trace.type === "ERROR").map((m) => m.trace.error as Message);
export const logs = (ms: Message[], level?: string) =>
  ms
    .filter((m) => m.type === "LOG" && (level === undefined || m.log.level === level))
    .map((m) => m.log.message as string);

/** The last STATE of each stream, as the platform would pass it to the next run. */
export function lastStates(ms: Message[]): Message[] {
  const last = new Map<string, Message>();
  for (const m of states(ms)) last.set(m.state.stream.stream_descriptor.name, m.state);
  return [...last.values()];
}

/** `read` with a config, the given streams in a catalog, and optionally a state. */
export function runRead(
  config: Record<string, unknown>,
  catalogJson: Record<string, unknown>,
  opts: { state?: unknown } & CliOptions = {},
): Promise<CliResult> {
  const { state, ...cli } = opts;
  return runCli(readArgs(config, catalogJson, state), cli);
}

/** The arguments of `read` with these files (written to a fresh directory). */
export function readArgs(
  config: Record<string, unknown>,
  catalogJson: Record<string, unknown>,
  state?: unknown,
): string[] {
  const files = writeFiles({
    "config.json": config,
    "catalog.json": catalogJson,
    ...(state ? { "state.json": state } : {}),
  });
  const args = ["read", "--config", files["config.json"]!, "--catalog", files["catalog.json"]!];
  if (state) args.push("--state", files["state.json"]!);
  return args;
}

/** Each stream's STATE recordCounts add up to its records, and no record follows the last STATE. */
export function recordCountsPerState(ms: Message[], stream: string): { exact: boolean; total: number } {
  let since = 0;
  let total = 0;
  let exact = true;
  for (const m of ms) {
    if (m.type === "RECORD" && m.record.stream === stream) since++;
    if (m.type === "STATE" && m.state.stream.stream_descriptor.name === stream) {
      if (m.state.sourceStats.recordCount !== since) exact = false;
      total += since;
      since = 0;
    }
  }
  return { exact: exact && since === 0, total };
}
