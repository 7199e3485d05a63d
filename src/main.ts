#!/usr/bin/env node
/**
 * source-bitbucket: the Airbyte front end. Parses the command line, runs one command, and maps
 * every outcome to an exit code. stdout carries protocol messages only; a usage error goes to
 * stderr.
 */
// First: runtime settings must apply before anything allocates.
import "./runtime.js";
import { parseArgs } from "node:util";
import { check } from "./commands/check.js";
import { discover } from "./commands/discover.js";
import { loadConfig } from "./commands/inputs.js";
import { read } from "./commands/read.js";
import { spec } from "./commands/spec.js";
import { type ResolvedConfig, readJsonFile } from "./config/load.js";
import { asConnectorError, configError } from "./errors.js";
import { EXIT, failWith, runMain } from "./exit.js";
import { AirbyteOutput } from "./protocol/airbyte-output.js";
import { Redactor } from "./protocol/redact.js";
import { decodeState } from "./protocol/state.js";
import { VERSION } from "./version.js";

const USAGE: Record<string, string> = {
  spec: "source-bitbucket spec\n  Print the connector's specification (the config it accepts) as an Airbyte SPEC message.",
  check:
    "source-bitbucket check --config FILE\n  Validate the credentials and access of every configured deployment; prints one CONNECTION_STATUS.",
  discover:
    "source-bitbucket discover --config FILE\n  Print the catalog: the stream of each configured deployment.",
  read: "source-bitbucket read --config FILE --catalog FILE [--state FILE]\n  Read the catalog's streams, resuming from the state when given; prints RECORD, STATE, TRACE and LOG messages.",
};

const HELP = `source-bitbucket ${VERSION}: Airbyte source for Bitbucket Cloud pull-request commits and Bitbucket Data Center default-branch commits.

Usage:
${Object.values(USAGE)
  .map((u) => `  ${u.replace(/\n/g, "\n  ")}`)
  .join("\n\n")}

Options:
  --help       Show help (also after a command)
  --version    Print the version

Messages are JSON lines on stdout (Airbyte protocol). Exit codes: 0 success, 1 a stream failed, 2 bad input.`;

async function main(argv: string[]): Promise<number> {
  const redactor = new Redactor();
  const output = new AirbyteOutput(process.stdout, redactor);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return EXIT.badInput;
  }
  const { command, values } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help || !command) {
    process.stderr.write(`${command && USAGE[command] ? USAGE[command] : HELP}\n`);
    return command || values.help ? EXIT.ok : EXIT.badInput;
  }

  try {
    switch (command) {
      case "spec":
        return await spec(output);
      case "check": {
        let config: ResolvedConfig;
        try {
          config = await loadConfig(values.config, redactor);
        } catch (err) {
          const e = asConnectorError(err);
          await output.connectionStatus("FAILED", e.userMessage);
          return EXIT.ok;
        }
        return await check(config, output);
      }
      case "discover":
        return await discover(await loadConfig(values.config, redactor), output);
      case "read": {
        const config = await loadConfig(values.config, redactor);
        if (!values.catalog) throw configError("read needs --catalog FILE (the configured catalog)");
        const catalog = await readJsonFile(values.catalog, "catalog");
        const state = values.state
          ? decodeState(await readJsonFile(values.state, "state"))
          : new Map<string, unknown>();
        return await read(config, catalog, state, output, { progressTo: process.stderr });
      }
      default:
        process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
        return EXIT.badInput;
    }
  } catch (err) {
    return await failWith(output, err);
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      catalog: { type: "string" },
      state: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  if (positionals.length > 1) throw new Error(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  return { command: positionals[0], values };
}

runMain(() => main(process.argv.slice(2)));
