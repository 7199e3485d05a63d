#!/usr/bin/env node
/**
 * tap-bitbucket-commits: the Singer front end. Same config, same streams and the same reading
 * code as the Airbyte connector (commands/read.ts); only the message layer (singer/output.ts)
 * differs. stdout carries Singer messages only; logs and errors go to stderr.
 */
// First: runtime settings must apply before anything allocates.
import "../runtime.js";
import { parseArgs } from "node:util";
import { availableStreams } from "../commands/catalog.js";
import { catalogStreams } from "../commands/discover.js";
import { readStreams } from "../commands/read.js";
import { loadConfig, readJsonFile } from "../config/load.js";
import { EXIT, failWith, runMain } from "../exit.js";
import { Lifecycle } from "../lifecycle.js";
import { Redactor } from "../protocol/redact.js";
import { STREAMS } from "../streams/registry.js";
import { VERSION } from "../version.js";
import { automaticFields, type SingerSelectedStream, selectSingerStreams, singerCatalog } from "./catalog.js";
import { SingerOutput } from "./output.js";
import { decodeSingerState } from "./state.js";

const HELP = `tap-bitbucket-commits ${VERSION}: Singer tap for Bitbucket Cloud and Data Center commits.

Usage:
  tap-bitbucket-commits --config FILE --discover > catalog.json
  tap-bitbucket-commits --config FILE [--catalog FILE] [--state FILE] > messages.jsonl

Options:
  -c, --config FILE       The connector's config (the same JSON as source-bitbucket). Required.
  -d, --discover          Print the catalog (the streams of each configured deployment, each
                          selected) as one JSON document, and exit.
  --catalog FILE          Read only the streams this catalog selects ("selected": true in the
                          root metadata, or the legacy "selected": true in the schema),
                          leaving out the fields it deselects (key and cursor fields stay).
                          Without a catalog, every configured stream is read whole.
  -p, --properties FILE   The legacy name of --catalog.
  -s, --state FILE        Resume from a state: the value of the last STATE message
                          ({"bookmarks": {...}}), the whole STATE message, or {}.
  -h, --help              Show this help.
  --version               Print the version.

Streams (config section):
${STREAMS.map((s) => `  ${s.info.name} (${s.deployment})`).join("\n")}

Replication is always INCREMENTAL; without a state it is a full first read.
stdout carries SCHEMA, RECORD and STATE messages, one JSON object per line; logs go to stderr.
Exit codes: 0 success, 1 a stream failed (the others were still read), 2 bad input,
130/143 cancelled by SIGINT/SIGTERM (after a final STATE).`;

async function main(argv: string[], lifecycle: Lifecycle): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (err) {
    process.stderr.write(`ERROR ${(err as Error).message}\n\n${HELP}\n`);
    return EXIT.badInput;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }

  const redactor = new Redactor();
  // Replaced once the state is known: its bookmarks travel in every STATE message.
  let output = new SingerOutput(process.stdout, process.stderr, redactor);
  try {
    const config = await loadConfig(values.config, redactor, (w) => output.warn(w));
    if (values.discover) {
      await output.catalog(singerCatalog(catalogStreams(config)));
      return EXIT.ok;
    }
    const available = availableStreams(config);
    const catalogPath = values.catalog ?? values.properties;
    const automatic = automaticFields(catalogStreams(config));
    const selected: SingerSelectedStream[] = catalogPath
      ? selectSingerStreams(await readJsonFile(catalogPath, "catalog"), available, automatic)
      : available
          .filter((a) => a.configured)
          .map((a) => ({ name: a.name, syncMode: "incremental", deselected: [] }));
    const bookmarks = values.state
      ? decodeSingerState(
          await readJsonFile(values.state, "state"),
          available.map((a) => a.name),
        )
      : new Map<string, unknown>();

    const deselected = new Map(selected.map((s) => [s.name, s.deselected]));
    output = new SingerOutput(process.stdout, process.stderr, redactor, { bookmarks, deselected });
    for (const s of selected) {
      if (s.deselected.length > 0)
        output.info(
          `${s.name}: leaving out the deselected fields ${s.deselected.map((p) => p.join(".")).join(", ")}`,
        );
    }
    const states = new Map<string, unknown>();
    for (const [name, blob] of bookmarks) {
      if (selected.some((s) => s.name === name)) states.set(name, blob);
      else output.info(`keeping the bookmark of stream ${name} unchanged: it is not being read`);
    }
    const code = await readStreams(config, selected, states, output, {
      progressTo: process.stderr,
      signal: lifecycle.signal,
    });
    return lifecycle.exitCode(code);
  } catch (err) {
    return lifecycle.exitCode(await failWith(output, err));
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string", short: "c" },
      discover: { type: "boolean", short: "d" },
      catalog: { type: "string" },
      properties: { type: "string", short: "p" },
      state: { type: "string", short: "s" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(" ")}`);
  if (values.help || values.version) return values;
  if (values.catalog !== undefined && values.properties !== undefined)
    throw new Error("pass the catalog once: --catalog FILE or --properties FILE, not both");
  if (values.config === undefined) throw new Error("no config given: pass --config FILE");
  return values;
}

const lifecycle = new Lifecycle(process.stdout);
runMain(() => main(process.argv.slice(2), lifecycle), "ERROR ");
