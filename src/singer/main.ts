#!/usr/bin/env node
/**
 * tap-bitbucket-commits: the Singer front end. Same config, same streams and the same reading
 * code as the Airbyte connector (commands/read.ts); only the message layer (singer/output.ts)
 * differs. stdout carries Singer messages only; logs and errors go to stderr.
 */
// First: runtime settings must apply before anything allocates.
import "../runtime.js";
import { parseArgs } from "node:util";
import { EXIT, runMain } from "../exit.js";
import { Lifecycle } from "../lifecycle.js";
import { VERSION } from "../version.js";

async function main(argv: string[], lifecycle: Lifecycle): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (err) {
    process.stderr.write(`ERROR ${(err as Error).message}\n\n${(await import("./help.js")).HELP}\n`);
    return EXIT.badInput;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help) {
    process.stdout.write(`${(await import("./help.js")).HELP}\n`);
    return EXIT.ok;
  }
  // The tap's code (config, streams, HTTP) is loaded only now that it runs.
  return (await import("./tap.js")).runTap(values, lifecycle);
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
