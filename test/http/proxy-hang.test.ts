/**
 * A proxy that accepts the connection and never answers its CONNECT: the request ends within
 * request_timeout_seconds, and at once on a cancel (what SIGTERM does), not after undici's 300 s.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { HttpClient } from "../../src/http/client.js";
import { memoryLogger, testServer } from "../helpers/clients.js";

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length) closers.pop()?.();
});

/** A TCP server that reads what it is sent and never writes a byte. */
async function silentProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("data", (d) => seen.push(d.toString("latin1")));
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function clientVia(proxy: string, timeoutMs: number): HttpClient {
  const retry = {
    maxRetries: 0,
    initialBackoffMs: 1,
    maxBackoffMs: 5,
    rateLimitStepMs: 20,
    maxRateLimitWaitMs: 1000,
  };
  const http = new HttpClient(
    testServer("https://bitbucket.example.test/rest/api/1.0/", { timeoutMs, retry }),
    memoryLogger(),
    { env: { HTTPS_PROXY: proxy }, random: () => 1 },
  );
  closers.push(() => void http.close());
  return http;
}

/** How `p` settled (a ConnectorError's code) and when, giving up after `capMs`. */
async function settled(p: Promise<unknown>, capMs: number): Promise<{ outcome: string; ms: number }> {
  const t0 = Date.now();
  const outcome = await Promise.race([
    p.then(
      () => "resolved",
      (e: unknown) => (e instanceof ConnectorError ? e.code : String(e)),
    ),
    new Promise<string>((r) => setTimeout(() => r("pending"), capMs)),
  ]);
  return { outcome, ms: Date.now() - t0 };
}

it("ends a request whose proxy never answers the CONNECT within request_timeout_seconds", async () => {
  const proxy = await silentProxy();
  const r = await settled(clientVia(proxy.url, 1000).scope().get("projects"), 15_000);
  expect(proxy.seen.join("")).toMatch(/^CONNECT bitbucket\.example\.test:443/);
  expect(r.outcome).toBe("unreachable");
  expect(r.ms).toBeLessThan(6_000);
}, 30_000);

it("ends such a request at once when the sync is cancelled", async () => {
  const proxy = await silentProxy();
  const http = clientVia(proxy.url, 60_000);
  const request = http.scope().get("projects");
  await new Promise((r) => setTimeout(r, 300));
  http.stop(new ConnectorError("cancelled", "SIGTERM", { scope: "stream" }));
  const r = await settled(request, 10_000);
  expect(r.outcome).toBe("cancelled");
  expect(r.ms).toBeLessThan(2_000);
  // Nor does closing the client wait for the CONNECT undici still holds (the process would).
  const t0 = Date.now();
  await http.close();
  expect(Date.now() - t0).toBeLessThan(2_000);
}, 30_000);
