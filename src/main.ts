#!/usr/bin/env node
/**
 * source-bitbucket: the Airbyte front end. Parses the command line, runs one command, and maps
 * every outcome to an exit code. stdout carries protocol messages only; a usage error goes to
 * stderr. Each command's code is loaded only when it runs: `spec` needs neither the config
 * schema nor the HTTP layer, and starts about as fast as node itself.
 */
// First: runtime settings must apply before anything allocates.
import "./runtime.js";
import { parseArgs } from "node:util";
import { asConnectorError, configError } from "./errors.js";
import { EXIT, failWith, runMain } from "./exit.js";
import { Lifecycle } from "./lifecycle.js";
import { AirbyteOutput } from "./protocol/airbyte-output.js";
import { Redactor } from "./protocol/redact.js";
import { VERSION } from "./version.js";

const COMMANDS = ["spec", "check", "discover", "read"];

async function main(argv: string[], lifecycle: Lifecycle): Promise<number> {
  const redactor = new Redactor();
  const output = new AirbyteOutput(process.stdout, redactor);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${(await import("./help.js")).HELP}\n`);
    return EXIT.badInput;
  }
  const { command, values } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help || !command || !COMMANDS.includes(command)) {
    const { HELP, USAGE } = await import("./help.js");
    if (command && !COMMANDS.includes(command)) {
      process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`${command && USAGE[command] ? USAGE[command] : HELP}\n`);
    return command || values.help ? EXIT.ok : EXIT.badInput;
  }
  if (command === "spec") return (await import("./commands/spec.js")).spec(output);

  const { loadConfig, readJsonFile } = await import("./config/load.js");
  const config = () => loadConfig(values.config, redactor, (w) => output.warn(w));
  try {
    switch (command) {
      case "check": {
        const { check } = await import("./commands/check.js");
        let settings: Awaited<ReturnType<typeof config>>;
        try {
          settings = await config();
        } catch (err) {
          await output.connectionStatus("FAILED", asConnectorError(err).userMessage);
          return EXIT.ok;
        }
        return await check(settings, output);
      }
      case "discover":
        return await (await import("./commands/discover.js")).discover(await config(), output);
      default: {
        const [{ read }, { decodeState }] = await Promise.all([
          import("./commands/read.js"),
          import("./protocol/state.js"),
        ]);
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
