/**
 * Runs the built connector the way the acceptance tests' ConnectorRunner
 * (utils/connector_runner.py) does: the config written with `json.dumps`, the catalog as the
 * ConfiguredAirbyteCatalog's `.json()` (see cat.ts), the state only when there is one. The
 * inputs are the files acceptance-test-config.yml names, pointed at a simulator of our own.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { type CliResult, type Message, runCli, writeFiles } from "../helpers/cli.js";
import type { Simulator } from "../simulator/index.js";
import type { Json } from "./cat.js";

/** The origin integration_tests/*.json point at: `npm run simulator -- --port 7990`. */
const SAMPLE_ORIGIN = "http://127.0.0.1:7990";
const root = new URL("../../", import.meta.url);

export const projectFile = (path: string) => readFileSync(new URL(path, root), "utf8");
export const projectJson = (path: string): Json => JSON.parse(projectFile(path));

/** acceptance-test-config.yml, parsed. */
export const acceptanceConfig = (): Json => parse(projectFile("acceptance-test-config.yml"));

/** A project file with the sample origin replaced by the simulator's. */
export const forSimulator = (sim: Simulator, path: string): Json =>
  JSON.parse(projectFile(path).replaceAll(SAMPLE_ORIGIN, sim.url));

/** A runner for one config, as `docker_runner` is for one `inputs.config_path`. */
export function connectorRunner(config: Json) {
  const run = (args: string[], files: Record<string, unknown>, timeoutMs?: number): Promise<CliResult> => {
    const paths = writeFiles({ "config.json": config, ...files });
    const argv = [...args, "--config", paths["config.json"]!];
    if (paths["catalog.json"]) argv.push("--catalog", paths["catalog.json"]);
    if (paths["state.json"]) argv.push("--state", paths["state.json"]);
    return runCli(argv, { timeoutMs: timeoutMs ?? 120_000 });
  };
  return {
    callCheck: () => run(["check"], {}),
    callDiscover: () => run(["discover"], {}),
    callRead: (catalog: Json) => run(["read"], { "catalog.json": catalog }),
    /** `if state:` — an empty state list writes no state file at all. */
    callReadWithState: (catalog: Json, state: Json) =>
      run(["read"], { "catalog.json": catalog, ...(isEmpty(state) ? {} : { "state.json": state }) }),
  };
}

const isEmpty = (state: Json) => state == null || (Array.isArray(state) && state.length === 0);

/** utils/common.py `filter_output`. */
export const filterOutput = (messages: Message[], type: string) => messages.filter((m) => m.type === type);

/** conftest.py `discovered_catalog_fixture`: the streams of the last CATALOG message. */
export async function discoveredCatalog(runner: ReturnType<typeof connectorRunner>): Promise<Json[]> {
  const catalogs = filterOutput((await runner.callDiscover()).messages, "CATALOG");
  if (catalogs.length === 0) throw new Error("No catalog message was emitted");
  return catalogs.at(-1)!.catalog.streams;
}
