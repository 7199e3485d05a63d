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
import { read } from "./commands/read.js";
import type { ConnectorSettings } from "./commands/settings.js";
import { spec } from "./commands/spec.js";
import { loadConfig, readJsonFile } from "./config/load.js";
import { connectorSpecification } from "./config/spec.js";
import { asConnectorError, configError } from "./errors.js";
import { EXIT, failWith, runMain } from "./exit.js";
import { Lifecycle } from "./lifecycle.js";
import { AirbyteOutput } from "./protocol/airbyte-output.js";
import { Redactor } from "./protocol/redact.js";
import { decodeState } from "./protocol/state.js";
import { STREAMS } from "./streams/registry.js";
import { VERSION } from "./version.js";

const USAGE: Record<string, string> = {
  spec: "source-bitbucket spec\n  Print the connector's specification (the config it accepts) as an Airbyte SPEC message.",
  check:
    "source-bitbucket check --config FILE\n  Validate the credentials and access of every configured deployment; prints one CONNECTION_STATUS.",
  discover:
    "source-bitbucket discover --config FILE\n  Print the catalog: the streams of each configured deployment.",
  read: "source-bitbucket read --config FILE --catalog FILE [--state FILE]\n  Read the catalog's streams, resuming from the state when given; prints RECORD, STATE, TRACE and LOG messages.",
};

const HELP = `source-bitbucket ${VERSION}: Airbyte source for Bitbucket Cloud and Data Center commits.

Usage:
${Object.values(USAGE)
  .map((u) => `  ${u.replace(/\n/g, "\n  ")}`)
  .join("\n\n")}

Streams (config section):
${STREAMS.map((s) => `  ${s.info.name} (${s.deployment})`).join("\n")}

Options:
  --help       Show help (also after a command)
  --version    Print the version

Messages are JSON lines on stdout (Airbyte protocol). Exit codes: 0 success, 1 a stream failed,
2 bad input, 130/143 cancelled by SIGINT/SIGTERM (after a final STATE).`;

async function main(argv: string[], lifecycle: Lifecycle): Promise<number> {
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
  const config = () => loadConfig(values.config, redactor, (w) => output.warn(w));

  try {
    switch (command) {
      case "spec":
        return await spec(output, connectorSpecification());
      case "check": {
        let settings: ConnectorSettings;
        try {
          settings = await config();
        } catch (err) {
          await output.connectionStatus("FAILED", asConnectorError(err).userMessage);
          return EXIT.ok;
        }
        return await check(settings, output);
      }
      case "discover":
        return await discover(await config(), output);
      case "read": {
        const settings = await config();
        if (!values.catalog) throw configError("read needs --catalog FILE (the configured catalog)");
        const catalog = await readJsonFile(values.catalog, "catalog");
        const state = values.state
          ? decodeState(await readJsonFile(values.state, "state"))
          : new Map<string, unknown>();
        const code = await read(settings, catalog, state, output, {
          progressTo: process.stderr,
          signal: lifecycle.signal,
        });
        return lifecycle.exitCode(code);
      }
      default:
        process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
        return EXIT.badInput;
    }
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

const lifecycle = new Lifecycle(process.stdout);
runMain(() => main(process.argv.slice(2), lifecycle));
