import { z } from "zod";
import {
  type AvailableStream,
  namedStream,
  requireConfigured,
  type SelectedStream,
} from "../commands/catalog.js";
import { configError } from "../errors.js";
import type { AirbyteStream, JsonObject } from "../protocol/messages.js";
import { formatIssues } from "../zod-issues.js";
import { deselectedPaths } from "./selection.js";

/**
 * The Singer catalog: what `--discover` prints, and how `--catalog`/`--properties` select
 * streams. It is built from the same stream descriptions as the Airbyte catalog
 * (commands/discover.ts), so both front ends describe the streams identically.
 */

export interface SingerMetadata {
  breadcrumb: string[];
  metadata: JsonObject;
}

export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: JsonObject;
  key_properties: string[];
  replication_key: string;
  replication_method: "INCREMENTAL";
  metadata: SingerMetadata[];
}

export interface SingerCatalog {
  streams: SingerCatalogEntry[];
}

/** Singer names a field by its name only; a nested path (none today) becomes `a.b`. */
export function fieldName(path: string[]): string {
  return path.join(".");
}

export function keyProperties(primaryKey: string[][]): string[] {
  return primaryKey.map(fieldName);
}

/** Each stream's key and cursor fields: `inclusion: automatic`, never left out of a record. */
export function automaticFields(streams: AirbyteStream[]): Map<string, ReadonlySet<string>> {
  return new Map(
    streams.map((s) => [
      s.name,
      new Set([
        ...keyProperties(s.source_defined_primary_key ?? []),
        fieldName(s.default_cursor_field ?? []),
      ]),
    ]),
  );
}

/** A stream the catalog selects, and the fields it leaves out (see selection.ts). */
export interface SingerSelectedStream extends SelectedStream {
  deselected: string[][];
}

/**
 * The catalog `--discover` prints: one entry per configured stream, each marked selected, so a
 * plain Singer run can pass the discovered catalog back as is. Meltano rewrites `selected`
 * from its own `select` rules.
 */
export function singerCatalog(streams: AirbyteStream[]): SingerCatalog {
  return {
    streams: streams.map((s) => {
      const keys = keyProperties(s.source_defined_primary_key ?? []);
      const cursor = fieldName(s.default_cursor_field ?? []);
      const automatic = automaticFields([s]).get(s.name)!;
      const properties = Object.keys((s.json_schema.properties as JsonObject | undefined) ?? {});
      return {
        tap_stream_id: s.name,
        stream: s.name,
        schema: s.json_schema,
        key_properties: keys,
        replication_key: cursor,
        replication_method: "INCREMENTAL",
        metadata: [
          {
            breadcrumb: [],
            metadata: {
              inclusion: "available",
              selected: true,
              "table-key-properties": keys,
              "valid-replication-keys": [cursor],
              "forced-replication-method": "INCREMENTAL",
              "schema-name": s.name,
            },
          },
          ...properties.map((field) => ({
            breadcrumb: ["properties", field],
            metadata: { inclusion: automatic.has(field) ? "automatic" : "available" },
          })),
        ],
      };
    }),
  };
}

/** Every optional field may be null, meaning absent, as in the protocol models. */
const Catalog = z.looseObject({
  streams: z.array(
    z.looseObject({
      tap_stream_id: z.string().min(1).nullish(),
      stream: z.string().min(1).nullish(),
      schema: z.looseObject({ selected: z.boolean().nullish() }).nullish(),
      metadata: z
        .array(
          z.looseObject({
            breadcrumb: z.array(z.union([z.string(), z.number()])),
            metadata: z.looseObject({
              selected: z.boolean().nullish(),
              inclusion: z.string().nullish(),
              "selected-by-default": z.boolean().nullish(),
            }),
          }),
        )
        .nullish(),
    }),
  ),
});

/**
 * The streams a Singer catalog selects, and the fields it deselects in each. A stream is
 * selected by its root metadata (breadcrumb `[]`): `"selected": true`, or no `selected` and
 * `"selected-by-default": true`; or by the legacy `"selected": true` in its schema. Every entry
 * must name a stream of this tap; a selected one must have its deployment in the config.
 * `automatic` holds each stream's key and cursor fields, which are never deselected.
 */
export function selectSingerStreams(
  raw: unknown,
  available: AvailableStream[],
  automatic: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): SingerSelectedStream[] {
  const parsed = Catalog.safeParse(raw);
  if (!parsed.success) throw configError(`invalid catalog: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  const out: SingerSelectedStream[] = [];
  parsed.data.streams.forEach((entry, i) => {
    const id = entry.tap_stream_id ?? entry.stream;
    if (id == null) throw configError(`invalid catalog: streams.${i}: has no tap_stream_id`);
    const known = namedStream(available, id, seen, "tap");
    const metadata = entry.metadata ?? [];
    const root = metadata.find((m) => m.breadcrumb.length === 0)?.metadata;
    const selected =
      root?.selected === true ||
      (root?.selected == null && root?.["selected-by-default"] === true) ||
      entry.schema?.selected === true;
    if (!selected) return;
    requireConfigured(known);
    out.push({
      name: id,
      syncMode: "incremental",
      deselected: deselectedPaths(metadata, automatic.get(id) ?? new Set()),
    });
  });
  if (out.length === 0) throw configError(noStreamSelected(available));
  return out;
}

/** Says so in the terms of Meltano, which writes the catalog from the extractor's `select` rules. */
function noStreamSelected(available: AvailableStream[]): string {
  const names = available.filter((a) => a.configured).map((a) => a.name);
  const example = names[0] ?? available[0]?.name ?? "cloud_pullrequest_commits";
  return (
    `the catalog selects no stream of this tap (it has ${names.join(", ")}). ` +
    "Under Meltano, the extractor's `select` rules match none of them: " +
    "see what they match with `meltano select <extractor> --list --all`, " +
    `and add one such as \`${example}.*\` (\`meltano select <extractor> ${example} "*"\`). ` +
    'In a catalog of your own, set "selected": true in the metadata entry with "breadcrumb": [] of each stream to read'
  );
}
