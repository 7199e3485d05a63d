import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";

// A forward HTTP proxy for testing HTTPS_PROXY / HTTP_PROXY / NO_PROXY: absolute-form requests
// are forwarded, CONNECT opens a TCP tunnel. Its host map resolves made-up names (e.g.
// bitbucket.internal) that the client itself cannot resolve, so a request that reached the
// simulator under such a name can only have gone through the proxy.

export interface ProxyOptions {
  /**
   * Names only this proxy resolves: "name" or "name:port" → where to connect, as "host:port" or
   * an origin (`sim.url`). "name:port" wins over "name". Other targets are connected to as addressed.
   */
  hosts?: Record<string, string>;
  /** Require `Proxy-Authorization: Basic base64(username:password)`, else 407. */
  auth?: { username: string; password: string };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
}

export interface ProxiedRequest {
  /** CONNECT (a tunnel: https, or http through a tunnelling client) rather than a forwarded request. */
  connect: boolean;
  method: string;
  /** As the client wrote it: "http://bitbucket.internal:8080/2.0/user" or "bitbucket.internal:443". */
  target: string;
  /** host:port the proxy connected to, after the host map; absent when it refused the request. */
  upstream?: string;
  /** The Proxy-Authorization header as received. */
  proxyAuthorization?: string;
  /** Forwarded requests: the Authorization header passed on (inside a tunnel it is not visible). */
  authorization?: string;
  /** 407, 400 (not a proxy request), 502 (upstream unreachable), 200 (tunnel open) or the upstream's status; 0 until known. */
  status: number;
}

export interface TestProxy {
  /** "http://127.0.0.1:<port>", for HTTPS_PROXY / HTTP_PROXY (with user:password@ when auth is on). */
  url: string;
  port: number;
  /** Everything asked of the proxy since start or clearRequests(), in arrival order. */
  requests(): ProxiedRequest[];
  clearRequests(): void;
  /** Stops listening and cuts every connection and tunnel. */
  close(): Promise<void>;
}

interface Endpoint {
  host: string;
  port: number;
}

/** "host:port" or "[v6]:port" (port defaulting to `defaultPort`), brackets removed from the host. */
function endpoint(hostPort: string, defaultPort: number): Endpoint {
  const u = new URL(`http://${hostPort}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port === "" ? defaultPort : Number(u.port) };
}

function mapTarget(hosts: Record<string, string>, to: Endpoint): Endpoint {
  const mapped = hosts[`${to.host}:${to.port}`] ?? hosts[to.host];
  if (mapped === undefined) return to;
  if (!mapped.includes("://")) return endpoint(mapped, 80);
  const u = new URL(mapped);
  return endpoint(u.host, u.protocol === "https:" ? 443 : 80);
}

/** Headers that describe one connection, not the message: a proxy must not pass them on. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

const REALM = 'Basic realm="source-bitbucket test proxy"';

export async function startProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const hosts = opts.hosts ?? {};
  const expected = opts.auth
    ? Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString("base64")
    : undefined;
  let log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: false });

  const track = (s: Socket): void => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const record = (req: http.IncomingMessage, connect: boolean): ProxiedRequest => {
    const entry: ProxiedRequest = { connect, method: req.method ?? "", target: req.url ?? "", status: 0 };
    const presented = req.headers["proxy-authorization"];
    if (presented !== undefined) entry.proxyAuthorization = presented;
    log.push(entry);
    return entry;
  };
  const authorized = (req: http.IncomingMessage): boolean => {
    if (expected === undefined) return true;
    const [scheme, token] = (req.headers["proxy-authorization"] ?? "").split(/\s+/, 2);
    return scheme?.toLowerCase() === "basic" && token === expected;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const entry = record(req, false);
    const refuse = (status: number, extra: Record<string, string>, text: string): void => {
      entry.status = status;
      res.writeHead(status, { "content-type": "text/plain", connection: "close", ...extra });
      res.end(text);
    };
    if (!authorized(req)) {
      refuse(407, { "proxy-authenticate": REALM }, "Proxy authentication required");
      return;
    }
    const target = URL.canParse(req.url ?? "") ? new URL(req.url ?? "") : undefined;
    if (target?.protocol !== "http:") {
      refuse(400, {}, "Not a proxy request: absolute http:// URL expected");
      return;
    }
    const to = mapTarget(hosts, endpoint(target.host, 80));
    entry.upstream = `${to.host}:${to.port}`;
    if (req.headers.authorization !== undefined) entry.authorization = req.headers.authorization;
    const up = http.request({
      host: to.host,
      port: to.port,
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: endToEnd(req.headers),
      agent,
    });
    up.on("response", (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      pipeline(answer, res).catch(() => up.destroy());
    });
    up.on("error", () => {
      if (!res.headersSent) refuse(502, {}, `Upstream ${entry.upstream} unreachable`);
      else res.destroy();
    });
    res.once("close", () => up.destroy());
    pipeline(req, up).catch(() => up.destroy());
  };

  const tunnel = (req: http.IncomingMessage, client: Duplex, head: Buffer): void => {
    const entry = record(req, true);
    client.on("error", () => client.destroy());
    const refuse = (status: number, line: string, extra = ""): void => {
      entry.status = status;
      client.end(`HTTP/1.1 ${status} ${line}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (!authorized(req)) {
      refuse(407, "Proxy Authentication Required", `Proxy-Authenticate: ${REALM}\r\n`);
      return;
    }
    let to: Endpoint;
    try {
      to = mapTarget(hosts, endpoint(req.url ?? "", 443));
    } catch {
      refuse(400, "Bad Request");
      return;
    }
    entry.upstream = `${to.host}:${to.port}`;
    const upstream = net.connect(to.port, to.host);
    track(upstream);
    upstream.once("connect", () => {
      entry.status = 200;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => {
      if (entry.status === 0) refuse(502, "Bad Gateway");
      else client.destroy();
    });
    upstream.once("close", () => client.destroy());
    client.once("close", () => upstream.destroy());
  };

  const server = http.createServer(forward);
  server.on("connect", tunnel);
  server.on("connection", track);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    requests: () => log.map((e) => ({ ...e })),
    clearRequests: () => {
      log = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        agent.destroy();
      }),
  };
}
