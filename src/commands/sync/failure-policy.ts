import { ConnectorError } from "../../errors.js";
import type { Stream } from "../../streams/stream.js";

/**
 * What a failure means for its stream: the stream's own cases first (`Stream.errorCases`, e.g.
 * "this 404 means the listed repository is gone"), then the error's scope from the HTTP outcome
 * table (http/outcomes.ts) or its code (errors.ts). One fault stays one fault: only errors that
 * say the whole server is unusable end the stream.
 */
export function meaningFor(stream: Stream, err: ConnectorError): "gone" | "partition" | "stream" {
  for (const c of stream.errorCases ?? []) if (c.test(err)) return c.means;
  return err.scope;
}

export interface PartitionFailure {
  key: string;
  error: ConnectorError;
}

/** One error for a stream whose partitions failed: how many, the first few, and the first one's code. */
export function summarize(failures: PartitionFailure[]): ConnectorError | undefined {
  const first = failures[0];
  if (!first) return undefined;
  const list = failures.slice(0, 5).map((f) => `${f.key}: ${f.error.userMessage}`);
  const more = failures.length > 5 ? `; and ${failures.length - 5} more` : "";
  return new ConnectorError(
    first.error.code,
    `${failures.length} ${failures.length === 1 ? "repository" : "repositories"} could not be read, the rest was: ${list.join("; ")}${more}`,
    { failureType: first.error.failureType, scope: "partition" },
  );
}
