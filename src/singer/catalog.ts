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
      const automatic = new Set([...keys, cursor]);
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

const Catalog = z.looseObject({
  streams: z.array(
    z.looseObject({
      tap_stream_id: z.string().min(1).optional(),
      stream: z.string().min(1).optional(),
      schema: z.looseObject({ selected: z.boolean().optional() }).optional(),
      metadata: z
        .array(
          z.looseObject({
            breadcrumb: z.array(z.union([z.string(), z.number()])),
            metadata: z.looseObject({ selected: z.boolean().optional() }),
          }),
        )
        .optional(),
    }),
  ),
});

/**
 * The streams a Singer catalog selects: those whose root metadata (breadcrumb `[]`) has
 * `"selected": true`, or whose schema has the legacy `"selected": true`. Every entry must name a
 * stream of this tap; a selected one must have its deployment in the config.
 */
export function selectSingerStreams(raw: unknown, available: AvailableStream[]): SelectedStream[] {
  const parsed = Catalog.safeParse(raw);
  if (!parsed.success) throw configError(`invalid catalog: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  const out: SelectedStream[] = [];
  parsed.data.streams.forEach((entry, i) => {
    const id = entry.tap_stream_id ?? entry.stream;
    if (id === undefined) throw configError(`invalid catalog: streams.${i}: has no tap_stream_id`);
    const known = namedStream(available, id, seen, "tap");
    const root = entry.metadata?.find((m) => m.breadcrumb.length === 0)?.metadata;
    if (!(root?.selected === true || entry.schema?.selected === true)) return;
    requireConfigured(known);
    out.push({ name: id, syncMode: "incremental" });
  });
  if (out.length === 0) {
    throw configError(
      'the catalog selects no stream: set "selected": true in the metadata entry with "breadcrumb": [] of each stream to read',
    );
  }
  return out;
}
