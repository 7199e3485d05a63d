import { z } from "zod";
import { formatIssues } from "../config/load.js";
import { configError } from "../errors.js";
import type { SyncMode } from "../protocol/messages.js";

/** The configured catalog as the platform passes it to `read`, validated at the edge. */
const ConfiguredCatalog = z.looseObject({
  streams: z.array(
    z.looseObject({
      stream: z.looseObject({ name: z.string().min(1), namespace: z.string().nullish() }),
      sync_mode: z.enum(["full_refresh", "incremental"]),
      destination_sync_mode: z.string().optional(),
      cursor_field: z.array(z.string()).optional(),
      primary_key: z.array(z.array(z.string())).optional(),
    }),
  ),
});

export interface SelectedStream {
  name: string;
  syncMode: SyncMode;
}

/** Parses the catalog and checks it against the streams this connector (as configured) offers. */
export function selectStreams(
  raw: unknown,
  available: { name: string; configured: boolean; deployment: string }[],
): SelectedStream[] {
  const parsed = ConfiguredCatalog.safeParse(raw);
  if (!parsed.success) throw configError(`invalid catalog: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  const out: SelectedStream[] = [];
  for (const s of parsed.data.streams) {
    const name = s.stream.name;
    const known = available.find((a) => a.name === name);
    if (!known) {
      throw configError(
        `the catalog names stream "${name}", which this connector does not have (it has ${available.map((a) => a.name).join(", ")})`,
      );
    }
    if (!known.configured) {
      throw configError(
        `the catalog selects "${name}", but the config has no \`${known.deployment}\` section to read it from`,
      );
    }
    if (seen.has(name)) throw configError(`the catalog selects "${name}" twice`);
    seen.add(name);
    out.push({ name, syncMode: s.sync_mode });
  }
  if (out.length === 0) throw configError("the catalog selects no stream");
  return out;
}
