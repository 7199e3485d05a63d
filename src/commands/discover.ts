import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import type { AirbyteStream } from "../protocol/messages.js";
import { STREAMS } from "../streams/registry.js";
import type { ConnectorSettings } from "./settings.js";

/** The catalog: every stream of every configured deployment. Needs no request. */
export function catalogStreams(settings: ConnectorSettings): AirbyteStream[] {
  return STREAMS.filter((s) => settings.deployments[s.deployment] !== undefined).map(({ info }) => ({
    name: info.name,
    json_schema: info.jsonSchema,
    supported_sync_modes: ["full_refresh", "incremental"],
    source_defined_cursor: true,
    default_cursor_field: info.cursorField,
    source_defined_primary_key: info.primaryKey,
    is_resumable: true,
  }));
}

export async function discover(settings: ConnectorSettings, output: AirbyteOutput): Promise<number> {
  await output.catalog({ streams: catalogStreams(settings) });
  return 0;
}
