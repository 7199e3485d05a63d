import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Simulator,
  startProxy,
  startSimulator,
  type TestProxy,
} from "../../integration_tests/simulator/index.js";
import { cloudAuth } from "./http.js";

// The forward proxy for HTTPS_PROXY / HTTP_PROXY / NO_PROXY tests, driven by Node's own clients:
// absolute-form forwarding, CONNECT tunnels (TLS to the simulator inside), the host map for a
// name only the proxy resolves, proxy authentication, the record, and a clean close.

const tlsDir = new URL("../../integration_tests/fixtures/tls/", import.meta.url);
const key = readFileSync(new URL("key.pem", tlsDir), "utf8");
const cert = readFileSync(new URL("cert.pem", tlsDir), "utf8");
const internalCert = readFileSync(new URL("internal-cert.pem", tlsDir), "utf8");

const INTERNAL = "bitbucket.internal";

let sim: Simulator;
let proxy: TestProxy;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startProxy({ hosts: { [INTERNAL]: sim.url } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});
beforeEach(() => {
  proxy.clearRequests();
  sim.resetStats();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(req: http.ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** An absolute-form GET through the proxy, as a client configured with HTTP_PROXY sends it. */
function viaProxy(p: TestProxy, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { host } = new URL(url);
  return collect(
    http.request({ host: "127.0.0.1", port: p.port, path: url, headers: { host, ...headers }, agent: false }),
  );
}

/** CONNECT host:port through the proxy: the proxy's status, and the tunnel's socket when it opened. */
function connect(
  p: TestProxy,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; socket?: Duplex }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port: p.port,
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
    });
    req.on("connect", (res, socket) => {
      if (res.statusCode === 200) resolve({ status: 200, socket });
      else {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0 });
      }
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET over TLS inside an open tunnel, verifying the certificate for `servername`. */
function httpsInTunnel(
  socket: Duplex,
  servername: string,
  ca: string,
  path: string,
  headers: Record<string, string>,
) {
  const secure = tls.connect({ socket, servername, ca });
  return collect(https.request({ host: servername, path, headers, createConnection: () => secure }));
}

describe("host map", () => {
  it("the made-up name does not resolve outside the proxy", async () => {
    await expect(lookup(INTERNAL)).rejects.toThrow();
  });

  it("forwards an absolute-form request to the mapped simulator, Host kept, and records it", async () => {
    const url = `http://${INTERNAL}:7990/2.0/repositories/acme?pagelen=5`;
    const r = await viaProxy(proxy, url, cloudAuth(sim));
    expect(r.status).toBe(200);
    // The simulator builds its links from the Host header: they name the made-up host.
    expect((JSON.parse(r.body) as { next: string }).next).toBe(
      `http://${INTERNAL}:7990/2.0/repositories/acme?pagelen=5&page=2`,
    );
    expect(proxy.requests()).toEqual([
      {
        connect: false,
        method: "GET",
        target: url,
        upstream: `127.0.0.1:${new URL(sim.url).port}`,
        authorization: cloudAuth(sim).authorization,
        status: 200,
      },
    ]);
    expect(sim.requests().map((q) => q.path)).toEqual(["/2.0/repositories/acme?pagelen=5"]);
  });

  it("a name:port key wins over the bare name; unmapped targets go where they say", async () => {
    const other = await startSimulator({ seed: 7 });
    const p = await startProxy({
      hosts: { [INTERNAL]: sim.url, [`${INTERNAL}:8443`]: other.url.replace("http://", "") },
    });
    try {
      await viaProxy(p, `http://${INTERNAL}:8443/2.0/user`);
      await viaProxy(p, `http://${INTERNAL}/2.0/user`);
      await viaProxy(p, `${other.url}/2.0/user`);
      expect(p.requests().map((q) => q.upstream)).toEqual([
        other.url.slice("http://".length),
        sim.url.slice("http://".length),
        other.url.slice("http://".length),
      ]);
    } finally {
      await p.close();
      await other.close();
    }
  });
});

describe("CONNECT tunnels", () => {
  it("https to the simulator with the fixture certificate, through a tunnel to 127.0.0.1", async () => {
    const secure = await startSimulator({ tls: { key, cert } });
    try {
      const port = new URL(secure.url).port;
      const t = await connect(proxy, `127.0.0.1:${port}`);
      expect(t.status).toBe(200);
      const r = await httpsInTunnel(t.socket as Duplex, "localhost", cert, "/2.0/user", cloudAuth(secure));
      expect(r.status).toBe(200);
      expect(proxy.requests()).toEqual([
        {
          connect: true,
          method: "CONNECT",
          target: `127.0.0.1:${port}`,
          upstream: `127.0.0.1:${port}`,
          status: 200,
        },
      ]);
      expect(secure.requests()[0]).toMatchObject({ path: "/2.0/user", status: 200 });
    } finally {
      await secure.close();
    }
  });

  it("https to the made-up name, verified with internal-cert.pem, reachable only through the proxy", async () => {
    const secure = await startSimulator({ tls: { key, cert: internalCert } });
    const p = await startProxy({ hosts: { [`${INTERNAL}:443`]: secure.url } });
    try {
      const t = await connect(p, `${INTERNAL}:443`);
      const r = await httpsInTunnel(
        t.socket as Duplex,
        INTERNAL,
        internalCert,
        "/2.0/repositories/acme?pagelen=1",
        {
          ...cloudAuth(secure),
          host: INTERNAL,
        },
      );
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { next: string }).next).toMatch(
        `https://${INTERNAL}/2.0/repositories/acme?`,
      );
      expect(p.requests()[0]).toMatchObject({ connect: true, target: `${INTERNAL}:443`, status: 200 });
    } finally {
      await p.close();
      await secure.close();
    }
  });

  it("502 when the upstream cannot be reached, for tunnels and forwarded requests", async () => {
    const gone = await startSimulator();
    const port = new URL(gone.url).port;
    await gone.close();
    expect((await connect(proxy, `127.0.0.1:${port}`)).status).toBe(502);
    expect((await viaProxy(proxy, `http://127.0.0.1:${port}/2.0/user`)).status).toBe(502);
    expect(proxy.requests().map((q) => q.status)).toEqual([502, 502]);
  });

  it("400 for a request that is not a proxy request", async () => {
    const r = await collect(
      http.request({ host: "127.0.0.1", port: proxy.port, path: "/2.0/user", agent: false }),
    );
    expect(r.status).toBe(400);
  });
});

describe("proxy authentication", () => {
  const auth = { username: "proxy-user", password: "p@ss:w0rd/é" };
  const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
  let guarded: TestProxy;

  beforeAll(async () => {
    guarded = await startProxy({ hosts: { [INTERNAL]: sim.url }, auth });
  });
  afterAll(() => guarded.close());
  beforeEach(() => guarded.clearRequests());

  it("407 with Proxy-Authenticate without or with wrong credentials; records what it saw", async () => {
    const none = await viaProxy(guarded, `http://${INTERNAL}/2.0/user`);
    expect(none.status).toBe(407);
    expect(none.headers["proxy-authenticate"]).toMatch(/^Basic realm=/);
    const wrong = `Basic ${Buffer.from("proxy-user:nope").toString("base64")}`;
    expect((await connect(guarded, `${INTERNAL}:443`, { "proxy-authorization": wrong })).status).toBe(407);
    expect(guarded.requests()).toEqual([
      { connect: false, method: "GET", target: `http://${INTERNAL}/2.0/user`, status: 407 },
      { connect: true, method: "CONNECT", target: `${INTERNAL}:443`, proxyAuthorization: wrong, status: 407 },
    ]);
    expect(sim.stats().total).toBe(0);
  });

  it("passes requests and tunnels with the right credentials, and does not forward them upstream", async () => {
    const r = await viaProxy(guarded, `http://${INTERNAL}/2.0/user`, {
      ...cloudAuth(sim),
      "proxy-authorization": basic,
    });
    expect(r.status).toBe(200);
    expect((await connect(guarded, `${INTERNAL}:80`, { "proxy-authorization": basic })).status).toBe(200);
    expect(guarded.requests().map((q) => [q.connect, q.proxyAuthorization, q.status])).toEqual([
      [false, basic, 200],
      [true, basic, 200],
    ]);
  });

  it("undici's ProxyAgent with the credentials in the proxy URL: CONNECT by default, forwarding without tunnel", async () => {
    const uri = `http://${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@127.0.0.1:${guarded.port}`;
    for (const proxyTunnel of [true, false]) {
      const dispatcher = new ProxyAgent({ uri, proxyTunnel });
      try {
        const res = await undiciFetch(`http://${INTERNAL}:7990/2.0/user`, {
          headers: cloudAuth(sim),
          dispatcher,
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      } finally {
        await dispatcher.close();
      }
    }
    expect(guarded.requests().map((q) => [q.connect, q.target, q.proxyAuthorization, q.status])).toEqual([
      [true, `${INTERNAL}:7990`, basic, 200],
      [false, `http://${INTERNAL}:7990/2.0/user`, basic, 200],
    ]);
  });
});

describe("NO_PROXY", () => {
  it("undici's EnvHttpProxyAgent goes direct for a NO_PROXY host and through the proxy otherwise", async () => {
    const dispatcher = new EnvHttpProxyAgent({
      httpProxy: proxy.url,
      httpsProxy: proxy.url,
      noProxy: "127.0.0.1",
    });
    try {
      const direct = await undiciFetch(`${sim.url}/2.0/user`, { headers: cloudAuth(sim), dispatcher });
      await direct.arrayBuffer();
      const proxied = await undiciFetch(`http://${INTERNAL}/2.0/user`, {
        headers: cloudAuth(sim),
        dispatcher,
      });
      await proxied.arrayBuffer();
      expect([direct.status, proxied.status]).toEqual([200, 200]);
    } finally {
      await dispatcher.close();
    }
    expect(proxy.requests().map((q) => q.target)).toEqual([`${INTERNAL}:80`]);
    expect(sim.stats().total).toBe(2);
  });
});

describe("close()", () => {
  it("cuts open tunnels and forwarded requests in flight, promptly", async () => {
    const p = await startProxy({ hosts: { [INTERNAL]: sim.url } });
    sim.injectFault({ kind: "hang", times: 2 });
    const tunnel = await connect(p, `${INTERNAL}:80`);
    const tunnelClosed = new Promise((resolve) => tunnel.socket?.once("close", resolve));
    tunnel.socket?.write(`GET /2.0/user HTTP/1.1\r\nHost: ${INTERNAL}\r\n\r\n`);
    const forwarded = viaProxy(p, `http://${INTERNAL}/2.0/user`).then(
      () => "answered",
      () => "failed",
    );
    while (sim.stats().total < 2) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await p.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await tunnelClosed;
    expect(await forwarded).toBe("failed");
    sim.clearFaults();
  });
});
