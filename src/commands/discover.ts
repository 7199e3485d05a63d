import type { ResolvedConfig } from "../config/load.js";
import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import type { AirbyteStream } from "../protocol/messages.js";
import { configuredKinds, STREAM_OF } from "./deployments.js";

/** The catalog: the stream of each configured deployment. Needs no request. */
export function catalogStreams(config: ResolvedConfig): AirbyteStream[] {
  return configuredKinds(config).map((kind) => {
    const stream = STREAM_OF[kind];
    return {
      name: stream.name,
      json_schema: stream.jsonSchema,
      supported_sync_modes: ["full_refresh", "incremental"],
      source_defined_cursor: true,
      default_cursor_field: stream.cursorField,
      source_defined_primary_key: stream.primaryKey,
      is_resumable: true,
    };
  });
}

export async function discover(config: ResolvedConfig, output: AirbyteOutput): Promise<number> {
  await output.catalog({ streams: catalogStreams(config) });
  return 0;
}
