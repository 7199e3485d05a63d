import { z } from "zod";
import { configError } from "../errors.js";
import type { SyncMode } from "../protocol/messages.js";
import { STREAMS } from "../streams/registry.js";
import { formatIssues } from "../zod-issues.js";
import type { ConnectorSettings } from "./settings.js";

/**
 * The configured catalog as the platform passes it to `read`, validated at the edge. Every
 * optional field may be null, meaning absent: the Python protocol models serialize unset fields
 * as null (the CDK's standard tests write `"cursor_field": null, "primary_key": null`).
 */
const ConfiguredCatalog = z.looseObject({
  streams: z.array(
    z.looseObject({
      stream: z.looseObject({ name: z.string().min(1), namespace: z.string().nullish() }),
      sync_mode: z.enum(["full_refresh", "incremental"]),
      destination_sync_mode: z.string().nullish(),
      cursor_field: z.array(z.string()).nullish(),
      primary_key: z.array(z.array(z.string())).nullish(),
    }),
  ),
});

export interface SelectedStream {
  name: string;
  syncMode: SyncMode;
}

/** A stream of this connector, and whether the config has the deployment it reads from. */
export interface AvailableStream {
  name: string;
  configured: boolean;
  /** The config section that enables it (`cloud`, `data_center`). */
  deployment: string;
}

/** The streams this connector has (the registry's), and whether the config enables each. */
export function availableStreams(settings: ConnectorSettings): AvailableStream[] {
  return STREAMS.map((s) => ({
    name: s.info.name,
    deployment: s.deployment,
    configured: settings.deployments[s.deployment] !== undefined,
  }));
}

/**
 * The stream a catalog entry names, checked the same way by both front ends: it must be one of
 * ours and appear once. `product` names the front end in the message ("connector", "tap").
 */
export function namedStream(
  available: AvailableStream[],
  name: string,
  seen: Set<string>,
  product: string,
): AvailableStream {
  const known = available.find((a) => a.name === name);
  if (!known) {
    throw configError(
      `the catalog names stream "${name}", which this ${product} does not have (it has ${available.map((a) => a.name).join(", ")})`,
    );
  }
  if (seen.has(name)) throw configError(`the catalog lists stream "${name}" twice`);
  seen.add(name);
  return known;
}

/** Throws unless the config has the deployment a selected stream reads from. */
export function requireConfigured(stream: AvailableStream): void {
  if (!stream.configured) {
    throw configError(
      `the catalog selects "${stream.name}", but the config has no \`${stream.deployment}\` section to read it from`,
    );
  }
}

/** Parses the catalog and checks it against the streams this connector (as configured) offers. */
export function selectStreams(raw: unknown, available: AvailableStream[]): SelectedStream[] {
  const parsed = ConfiguredCatalog.safeParse(raw);
  if (!parsed.success) throw configError(`invalid catalog: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  const out: SelectedStream[] = [];
  for (const s of parsed.data.streams) {
    requireConfigured(namedStream(available, s.stream.name, seen, "connector"));
    out.push({ name: s.stream.name, syncMode: s.sync_mode });
  }
  if (out.length === 0) throw configError("the catalog selects no stream");
  return out;
}
