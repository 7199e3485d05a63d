import { MockAgent } from "undici";
import type { Auth, RetrySettings } from "../../src/config/load.js";
import { HttpClient, type HttpClientOptions } from "../../src/http/client.js";
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

/** An HttpClient over undici's MockAgent: no sockets, every request intercepted. */
export function mockClient(
  baseUrl: string,
  opts: Partial<HttpClientOptions> & { auth?: Auth } = {},
): { client: HttpClient; agent: MockAgent; logger: ReturnType<typeof memoryLogger> } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const logger = memoryLogger();
  const client = new HttpClient({
    service: "Bitbucket Cloud",
    baseUrl,
    auth: { kind: "bearer", token: "test-token" },
    timeoutMs: 2000,
    maxConcurrency: 4,
    retry: fastRetry,
    logger,
    dispatcher: agent,
    random: () => 1,
    ...opts,
  });
  return { client, agent, logger };
}
