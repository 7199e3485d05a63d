import { MockAgent } from "undici";
import { HttpClient, type RequestScope } from "../../src/http/client.js";
import type { Auth, RetrySettings, ServerSettings } from "../../src/http/settings.js";
import type { LogLevel } from "../../src/protocol/messages.js";
import type { Logger } from "../../src/protocol/output.js";

/** A logger that remembers what it was told. */
export function memoryLogger(): Logger & { lines: { level: LogLevel; message: string }[] } {
  const lines: { level: LogLevel; message: string }[] = [];
  const log = (level: LogLevel, message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    log,
    info: (m) => log("INFO", m),
    warn: (m) => log("WARN", m),
    error: (m) => log("ERROR", m),
    debug: (m) => log("DEBUG", m),
  };
}

export const fastRetry: RetrySettings = {
  maxRetries: 3,
  initialBackoffMs: 1,
  maxBackoffMs: 5,
  rateLimitStepMs: 20,
  maxRateLimitWaitMs: 1000,
};

/** Server settings for tests: small, fast, generous limits. */
export function testServer(baseUrl: string, over: Partial<ServerSettings> = {}): ServerSettings {
  return {
    service: "Bitbucket Cloud",
    baseUrl,
    auth: { kind: "bearer", token: "test-token" },
    timeoutMs: 2000,
    maxConcurrency: 4,
    retry: fastRetry,
    maxResponseBytes: 32 * 1_048_576,
    outageMs: 3_600_000,
    ...over,
  };
}

/**
 * An HttpClient over undici's MockAgent (no sockets, every request intercepted), and one stream's
 * request scope on it.
 */
export function mockClient(
  baseUrl: string,
  opts: Partial<ServerSettings> & { auth?: Auth } = {},
): { http: HttpClient; client: RequestScope; agent: MockAgent; logger: ReturnType<typeof memoryLogger> } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const logger = memoryLogger();
  const http = new HttpClient(testServer(baseUrl, opts), logger, { dispatcher: agent, random: () => 1 });
  return { http, client: http.scope(), agent, logger };
}

/** A record batch made from objects (tests only: the connector never serializes records). */
export function batchOf(
  objects: object[],
  context: Record<string, unknown> = {},
): import("../../src/protocol/records.js").RecordBatch {
  const texts = objects.map((o) => Buffer.from(JSON.stringify(o)));
  const spans = new Uint32Array(2 * texts.length);
  let at = 0;
  texts.forEach((t, i) => {
    spans[2 * i] = at;
    at += t.length;
    spans[2 * i + 1] = at;
  });
  return { bytes: Buffer.concat(texts), spans, context };
}
