/**
 * The Airbyte protocol messages this connector emits, typed after the official schema
 * (airbyte-protocol v0, `airbyte_protocol.yaml`). Only what a source sends is modelled;
 * tests validate every emitted line against the official JSON Schema.
 */

import type { FailureType } from "../errors.js";

export type JsonObject = { [key: string]: unknown };

export interface StreamDescriptor {
  name: string;
  namespace?: string;
}

export type SyncMode = "full_refresh" | "incremental";
export type DestinationSyncMode = "append" | "overwrite" | "append_dedup" | "overwrite_dedup";

export interface AirbyteStream {
  name: string;
  json_schema: JsonObject;
  supported_sync_modes: SyncMode[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
}

export interface AirbyteCatalog {
  streams: AirbyteStream[];
}

export interface ConnectorSpecification {
  documentationUrl?: string;
  changelogUrl?: string;
  connectionSpecification: JsonObject;
  supportsIncremental?: boolean;
  supported_destination_sync_modes?: DestinationSyncMode[];
}

export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";
export type { FailureType };
export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

export interface StreamStatusReason {
  type: "RATE_LIMITED";
  rate_limited?: { quota_reset?: number };
}

export interface AirbyteErrorTrace {
  message: string;
  internal_message?: string;
  stack_trace?: string;
  failure_type?: FailureType;
  stream_descriptor?: StreamDescriptor;
}

export type AirbyteTrace =
  | { type: "ERROR"; emitted_at: number; error: AirbyteErrorTrace }
  | {
      type: "STREAM_STATUS";
      emitted_at: number;
      stream_status: {
        stream_descriptor: StreamDescriptor;
        status: StreamStatus;
        reasons?: StreamStatusReason[];
      };
    };

export interface AirbyteStreamStateMessage {
  type: "STREAM";
  stream: { stream_descriptor: StreamDescriptor; stream_state: JsonObject };
  sourceStats: { recordCount: number };
}

export type AirbyteMessage =
  | { type: "RECORD"; record: { stream: string; data: JsonObject; emitted_at: number; namespace?: string } }
  | ({ type: "STATE"; state: AirbyteStreamStateMessage } & Record<never, never>)
  | { type: "LOG"; log: { level: LogLevel; message: string; stack_trace?: string } }
  | { type: "TRACE"; trace: AirbyteTrace }
  | { type: "SPEC"; spec: ConnectorSpecification }
  | { type: "CONNECTION_STATUS"; connectionStatus: { status: "SUCCEEDED" | "FAILED"; message?: string } }
  | { type: "CATALOG"; catalog: AirbyteCatalog };
