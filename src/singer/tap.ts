import { availableStreams } from "../commands/catalog.js";
import { catalogStreams } from "../commands/discover.js";
import { readStreams } from "../commands/read.js";
import { loadConfig, readJsonFile } from "../config/load.js";
import { EXIT, failWith } from "../exit.js";
import type { Lifecycle } from "../lifecycle.js";
import { Redactor } from "../protocol/redact.js";
import { automaticFields, type SingerSelectedStream, selectSingerStreams, singerCatalog } from "./catalog.js";
import { SingerOutput } from "./output.js";
import { decodeSingerState } from "./state.js";

/** The tap's work once its arguments are known: discover, or read the selected streams. */
export async function runTap(
  values: {
    config?: string | undefined;
    discover?: boolean | undefined;
    catalog?: string | undefined;
    properties?: string | undefined;
    state?: string | undefined;
  },
  lifecycle: Lifecycle,
): Promise<number> {
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
