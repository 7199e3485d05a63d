import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorError } from "../../src/errors.js";
import { backoffMs, parseRetryAfter } from "../../src/http/backoff.js";
import { HttpClient } from "../../src/http/client.js";
import { HttpError } from "../../src/http/errors.js";
import { DcEnvelope } from "../../src/http/paginate.js";
import { AirbyteOutput } from "../../src/protocol/airbyte-output.js";
import { Redactor } from "../../src/protocol/redact.js";
import { fastRetry, memoryLogger, mockClient, testServer } from "../helpers/clients.js";

const Any = z.unknown();
const json = { "content-type": "application/json" };

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error("expected a failure");
}

describe("HttpClient", () => {
  it("sends Bearer and Basic credentials and encodes repeated query parameters and + as %2B", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    let seen: { path: string; auth: unknown } | undefined;
    agent
      .get("https://api.example.com")
      .intercept({ path: (p) => p.startsWith("/2.0/repositories/acme/r/pullrequests"), method: "GET" })
      .reply((req) => {
        seen = { path: req.path, auth: (req.headers as Record<string, string>).authorization };
        return { statusCode: 200, data: { values: [] }, responseOptions: { headers: json } };
      });
    await client.json("repositories/acme/r/pullrequests", Any, {
      state: ["OPEN", "MERGED"],
      q: 'updated_on >= "2024-01-01T00:00:00+00:00"',
      x: undefined,
    });
    expect(seen?.auth).toBe("Bearer test-token");
    expect(seen?.path).toBe(
      "/2.0/repositories/acme/r/pullrequests?state=OPEN&state=MERGED&q=updated_on%20%3E%3D%20%222024-01-01T00%3A00%3A00%2B00%3A00%22",
    );

    const basic = mockClient("https://api.example.com/2.0", {
      auth: { kind: "basic", username: "jane@example.com", password: "tok" },
    });
    let header: unknown;
    basic.agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/user" })
      .reply((req) => {
        header = (req.headers as Record<string, string>).authorization;
        return { statusCode: 200, data: {}, responseOptions: { headers: json } };
      });
    await basic.client.json("user", Any);
    expect(header).toBe(`Basic ${Buffer.from("jane@example.com:tok").toString("base64")}`);
  });

  it("refuses next links and redirects to another origin, and never sends them credentials", async () => {
    const { client, agent, logger } = mockClient("https://api.example.com/2.0");
    const foreign = agent.get("https://evil.example.net");
    let foreignCalls = 0;
    foreign
      .intercept({ path: () => true })
      .reply(() => {
        foreignCalls++;
        return { statusCode: 200, data: {} };
      })
      .persist();
    const e = await failure(client.json("https://evil.example.net/2.0/repositories/acme?page=2", Any));
    expect(e.message).toContain("another host (https://evil.example.net)");
    expect(logger.lines.some((l) => l.level === "WARN" && l.message.includes("refusing"))).toBe(true);

    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/moved" })
      .reply(302, "", { headers: { location: "https://evil.example.net/steal" } });
    const r = await failure(client.json("moved", Any));
    expect(r.message).toContain("a redirect to another host");
    expect(foreignCalls).toBe(0);

    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/old" })
      .reply(301, "", { headers: { location: "/2.0/new" } });
    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/new" })
      .reply(200, { ok: true }, { headers: json });
    await expect(client.json("old", Any)).resolves.toEqual({ ok: true });
  });

  it("retries 5xx (also non-standard 555), truncated bodies and resets, then succeeds", async () => {
    const { http, client, agent, logger } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, maxRetries: 5 },
    });
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/x" }).reply(503, "busy");
    pool.intercept({ path: "/2.0/x" }).reply(555, "odd");
    pool.intercept({ path: "/2.0/x" }).reply(200, '{"values": [1, 2', { headers: json });
    pool
      .intercept({ path: "/2.0/x" })
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    pool.intercept({ path: "/2.0/x" }).reply(200, { values: [1, 2] }, { headers: json });
    await expect(client.json("x", Any)).resolves.toEqual({ values: [1, 2] });
    expect(http.stats.retries).toBe(4);
    const warnings = logger.lines.filter((l) => l.level === "WARN").map((l) => l.message);
    expect(warnings.join("\n")).toMatch(/HTTP 503[\s\S]*HTTP 555[\s\S]*truncated[\s\S]*ECONNRESET/);
  });

  it("honours a Retry-After sent with a 5xx only up to the longest backoff", async () => {
    const { client, agent, logger } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, maxBackoffMs: 30 },
    });
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/x" }).reply(503, "maintenance", { headers: { "retry-after": "86400" } });
    pool.intercept({ path: "/2.0/x" }).reply(200, { ok: 1 }, { headers: json });
    const t0 = Date.now();
    await expect(client.json("x", Any)).resolves.toEqual({ ok: 1 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(logger.lines[0]?.message).toContain("failed with HTTP 503; retry 1 of 3 in 30 ms");
  });

  it("abort ends a request in flight and a backoff wait at once, and every later call", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    });
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/hung" }).reply(200, { ok: 1 }, { headers: json }).delay(30_000);
    pool.intercept({ path: "/2.0/flaky" }).reply(503, "busy");
    const reason = new ConnectorError("rate_limited", "the stream failed");
    const t0 = Date.now();
    const hung = client.json("hung", Any);
    const backingOff = client.json("flaky", Any);
    setTimeout(() => client.abort(reason), 50);
    await expect(hung).rejects.toBe(reason);
    await expect(backingOff).rejects.toBe(reason);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(client.json("anything", Any)).rejects.toBe(reason);
  });

  it("closing the client ends its requests as cancelled, never as a network error to retry", async () => {
    // A real pool: closing it under requests in flight is what made undici say UND_ERR_CLOSED.
    const server = createServer((req, res) => {
      if (req.url?.includes("flaky")) res.writeHead(503).end("busy");
      // Anything else hangs until the connection goes.
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0`;
    const logger = memoryLogger();
    const http = new HttpClient(
      testServer(base, { retry: { ...fastRetry, maxRetries: 50, initialBackoffMs: 200, maxBackoffMs: 200 } }),
      logger,
    );
    const client = http.scope();
    try {
      const hung = failure(client.json("hung", Any));
      const flaky = failure(client.json("flaky", Any));
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      await http.close();
      for (const err of [await hung, await flaky]) {
        expect(err.code).toBe("cancelled");
        expect(err.userMessage).toContain("the connection was closed");
      }
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(logger.lines.map((l) => l.message).join("\n")).not.toMatch(/UND_ERR|network error/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("runs many requests and waits at once without a listener-leak warning", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0", { maxConcurrency: 32 });
    agent
      .get("https://api.example.com")
      .intercept({ path: (p) => p.startsWith("/2.0/n") })
      .reply(200, { ok: 1 }, { headers: json })
      .delay(20)
      .times(40);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => client.json(`n${i}`, Any)));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("gives up after max_retries with a transient error", async () => {
    const { http, client, agent } = mockClient("https://api.example.com/2.0");
    agent.get("https://api.example.com").intercept({ path: "/2.0/x" }).reply(502, "bad gateway").persist();
    const e = await failure(client.json("x", Any));
    expect(e.failureType).toBe("transient_error");
    expect(e.message).toContain("failed GET /2.0/x 4 times, last with HTTP 502");
    expect(http.stats.requests).toBe(4);
  });

  it("does not retry 400/401/403/404 and maps them to error codes", async () => {
    const { http, client, agent } = mockClient("https://api.example.com/2.0");
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/a" }).reply(401, { type: "error", error: { message: "Token is invalid" } });
    pool.intercept({ path: "/2.0/b" }).reply(403, { type: "error", error: { message: "scope" } });
    pool
      .intercept({ path: "/2.0/c" })
      .reply(404, { type: "error", error: { message: "Repository dev/null not found" } });
    pool.intercept({ path: "/2.0/d" }).reply(400, "pagelen too big");
    pool.intercept({ path: "/2.0/e" }).reply(401, {
      errors: [
        {
          context: null,
          message: "You are not permitted",
          exceptionName: "com.atlassian.bitbucket.AuthorisationException",
        },
      ],
    });
    const codes = [];
    for (const p of ["a", "b", "c", "d", "e"]) {
      const e = await failure(client.json(p, Any));
      expect(e).toBeInstanceOf(HttpError);
      codes.push(e.code);
    }
    expect(codes).toEqual([
      "invalid_credentials",
      "invalid_permissions",
      "not_found",
      "unexpected_response",
      "invalid_permissions",
    ]);
    expect(http.stats.requests).toBe(5);
    const e404 = await failure(
      (async () => {
        pool.intercept({ path: "/2.0/f" }).reply(404, {
          errors: [
            {
              message: "Commit 'x' does not exist",
              exceptionName: "com.atlassian.bitbucket.commit.NoSuchCommitException",
            },
          ],
        });
        return client.json("f", Any);
      })(),
    );
    expect((e404 as HttpError).exception).toBe("NoSuchCommitException");
    expect(e404.message).toContain("404 Not Found to GET /2.0/f: Commit 'x' does not exist");
  });

  it("honours Retry-After in seconds and as an HTTP date, pausing every request", async () => {
    const { http, client, agent, logger } = mockClient("https://api.example.com/2.0");
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/x" }).reply(429, "slow down", { headers: { "retry-after": "0.05" } });
    pool
      .intercept({ path: "/2.0/x" })
      .reply(429, "slow down", { headers: { "retry-after": new Date(Date.now() + 1000).toUTCString() } });
    pool.intercept({ path: "/2.0/x" }).reply(200, { ok: 1 }, { headers: json });
    const resumes: number[] = [];
    client.onRateLimited = (at) => resumes.push(at);
    const t0 = Date.now();
    await expect(client.json("x", Any)).resolves.toEqual({ ok: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(resumes).toHaveLength(2);
    expect(http.stats.rateLimited).toBe(2);
    expect(logger.lines.filter((l) => l.message.includes("429")).length).toBe(2);
  });

  it("waits at least the first backoff on a 429 with Retry-After 0, so endless 429s end in a rate_limited error", async () => {
    const { http, client, agent } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, initialBackoffMs: 20, maxRateLimitWaitMs: 500 },
    });
    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/x" })
      .reply(429, "slow down", { headers: { "retry-after": "0" } })
      .persist();
    const t0 = Date.now();
    const e = await failure(client.json("x", Any));
    expect(e.code).toBe("rate_limited");
    // Five waits of 100 ms (the floor) fill the 500 ms budget; the sixth 429 would pass it.
    expect(http.stats.rateLimitWaitMs).toBe(500);
    expect(http.stats.rateLimited).toBe(6);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });

  it("announces one pause when several requests in flight all answer 429", async () => {
    const { http, client, agent, logger } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, rateLimitStepMs: 50 },
    });
    const pool = agent.get("https://api.example.com");
    for (let i = 0; i < 4; i++)
      pool.intercept({ path: `/2.0/x${i}` }).reply(429, "Rate limit for this resource has been exceeded");
    for (let i = 0; i < 4; i++) pool.intercept({ path: `/2.0/x${i}` }).reply(200, { i }, { headers: json });
    const resumes: number[] = [];
    client.onRateLimited = (at) => resumes.push(at);
    const got = await Promise.all([0, 1, 2, 3].map((i) => client.json(`x${i}`, Any)));
    expect(got).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(http.stats.rateLimited).toBe(4);
    expect(resumes).toHaveLength(1);
    expect(logger.lines.filter((l) => l.message.includes("429"))).toHaveLength(1);
    expect(http.stats.rateLimitWaitMs).toBe(50);
  });

  it("treats a 429 without Retry-After as a spent hourly budget: long, growing steps, then gives up", async () => {
    const { http, client, agent, logger } = mockClient("https://api.example.com/2.0", {
      retry: { ...fastRetry, rateLimitStepMs: 30, maxRateLimitWaitMs: 100 },
    });
    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/x" })
      .reply(429, "Rate limit for this resource has been exceeded")
      .persist();
    const e = await failure(client.json("x", Any));
    expect(e.code).toBe("rate_limited");
    expect(e.failureType).toBe("transient_error");
    // 30 + 60 = 90 ms waited; the next step (120) would pass the 100 ms budget.
    expect(http.stats.rateLimitWaitMs).toBe(90);
    expect(logger.lines[0]?.message).toContain("hourly request budget");
  });

  it("reports an HTML page (a proxy or wrong URL) without retrying", async () => {
    const { http, client, agent } = mockClient("https://api.example.com/2.0");
    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/x" })
      .reply(200, "<html>login</html>", { headers: { "content-type": "text/html" } });
    const e = await failure(client.json("x", Any));
    expect(e.message).toContain("HTML page instead of JSON");
    expect(http.stats.requests).toBe(1);
  });

  it("hands on a page holding a byte that is not UTF-8 as well-formed UTF-8, so its records stay JSON lines", async () => {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    const body = Buffer.concat([
      Buffer.from('{"values":[{"id":"a","message":"caf'),
      Buffer.from([0xff]),
      Buffer.from('"}],"isLastPage":true}'),
    ]);
    agent
      .get("https://bb.example.com")
      .intercept({ path: "/rest/api/1.0/x" })
      .reply(200, body, { headers: json });
    const Item = z.object({ id: z.string(), message: z.string() });
    const { page } = await client.page("x", undefined, DcEnvelope, Item);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const out = new AirbyteOutput(sink, new Redactor());
    await out.records("s", page.records({ repo_slug: "r" }));
    await out.flush();
    // A strict decoder: throws on any byte sequence that is not UTF-8.
    const line = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)).trim();
    expect(JSON.parse(line).record.data).toEqual({ id: "a", message: "caf\uFFFD", repo_slug: "r" });
  });

  it("spaces request starts by requests_per_hour also when requests queued for a connection", async () => {
    const arrivals: number[] = [];
    const server = createServer((req, res) => {
      arrivals.push(performance.now());
      // The two slow answers hold both connections while four other requests queue for one.
      setTimeout(() => res.writeHead(200, json).end("{}"), req.url?.startsWith("/slow") ? 600 : 0);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const http = new HttpClient(
      testServer(`http://127.0.0.1:${port}/`, { requestsPerHour: 36_000, maxConcurrency: 2 }),
      memoryLogger(),
    );
    try {
      const scopes = Array.from({ length: 6 }, () => http.scope());
      await Promise.all(scopes.map((s, i) => s.get(i < 2 ? `slow${i}` : `quick${i}`, undefined)));
    } finally {
      await http.close();
      server.close();
    }
    // 36,000 an hour: one start every 100 ms, so at most 3 in any 200 ms (a timer late by up to
    // 100 ms under load still keeps it); the queued ones had all started at once.
    expect(arrivals).toHaveLength(6);
    for (const a of arrivals)
      expect(arrivals.filter((b) => b >= a && b < a + 200).length).toBeLessThanOrEqual(3);
  });

  it("ends at once a request queued for a connection when its stream stops, whoever holds the slot", async () => {
    const server = createServer((_req, res) => res.writeHead(200, json).end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    // One connection, one start every 2 s: the second request holds the slot, waiting for its turn.
    const http = new HttpClient(
      testServer(`http://127.0.0.1:${port}/`, { requestsPerHour: 1800, maxConcurrency: 1 }),
      memoryLogger(),
    );
    const [a, b] = [http.scope(), http.scope()];
    try {
      await a.get("a1", undefined);
      const a2 = a.get("a2", undefined);
      const queued = b.get("b1", undefined).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      b.abort(new ConnectorError("cancelled", "the stream failed", { scope: "stream" }));
      expect(await queued).toBeInstanceOf(ConnectorError);
      expect(performance.now() - t0).toBeLessThan(500);
      await a2;
    } finally {
      await http.close();
      server.close();
    }
  });

  it("keeps the pacing turns taken before a short 429 pause, so none is lost to it", async () => {
    const arrivals: number[] = [];
    const server = createServer((_req, res) => {
      // The first request gets a 429 without Retry-After: a pause of one rate-limit step (100 ms).
      res.writeHead(arrivals.push(performance.now()) === 1 ? 429 : 200, json).end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const http = new HttpClient(
      testServer(`http://127.0.0.1:${port}/`, {
        requestsPerHour: 7200,
        maxConcurrency: 4,
        retry: { ...fastRetry, rateLimitStepMs: 100 },
      }),
      memoryLogger(),
    );
    try {
      await Promise.all(Array.from({ length: 4 }, (_, i) => http.scope().get(`r${i}`, undefined)));
    } finally {
      await http.close();
      server.close();
    }
    // One start every 500 ms: the second at its turn, not after the turns the pause saw go by.
    expect(arrivals[1]! - arrivals[0]!).toBeLessThan(700);
  });

  it("validates payloads with zod and says where they differ", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    agent
      .get("https://api.example.com")
      .intercept({ path: "/2.0/x" })
      .reply(200, { values: [{ id: "1" }] }, { headers: json });
    const e = await failure(client.json("x", z.object({ values: z.array(z.object({ id: z.number() })) })));
    expect(e.code).toBe("unexpected_response");
    expect(e.message).toContain("values.0.id");
  });

  it("times out a hung request and retries it", async () => {
    const { http, client, agent } = mockClient("https://api.example.com/2.0", { timeoutMs: 50 });
    const pool = agent.get("https://api.example.com");
    pool.intercept({ path: "/2.0/x" }).reply(200, { late: true }, { headers: json }).delay(500);
    pool.intercept({ path: "/2.0/x" }).reply(200, { ok: true }, { headers: json });
    await expect(client.json("x", Any)).resolves.toEqual({ ok: true });
    expect(http.stats.retries).toBe(1);
  });
});

describe("backoff", () => {
  it("is full jitter under a capped exponential", () => {
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(3, 1000, 60_000, () => 0.5)).toBe(2000);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(0);
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("treats a negative, non-numeric or absurd Retry-After as absent", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    // Date.parse reads "-1" as a date in 2001: a wait of zero, every second, for an hour.
    for (const v of [
      "-1",
      "-0.5",
      "",
      "  ",
      "1e3",
      "0x10",
      "Infinity",
      "NaN",
      "12 s",
      "2026-01-01T00:01:00Z",
    ])
      expect(parseRetryAfter(v, now), v).toBeUndefined();
    // More than a day away is a broken header, not a plan: 3,000 years, a date in 2101.
    expect(parseRetryAfter("99999999999", now)).toBeUndefined();
    expect(parseRetryAfter("86401", now)).toBeUndefined();
    expect(parseRetryAfter("Sat, 01 Jan 2101 00:00:00 GMT", now)).toBeUndefined();
    // A day at most is honoured (the caller caps it further); fractions are seconds too.
    expect(parseRetryAfter("86400", now)).toBe(86_400_000);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1500);
    expect(parseRetryAfter("Thursday, 01-Jan-26 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu Jan  1 00:00:30 2026", now)).toBe(30_000);
  });
});
