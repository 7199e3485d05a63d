import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { SimClock } from "./clock.js";
import { CloudApi } from "./cloud/api.js";
import { cloudBranchTruth, cloudBranchTruthCount } from "./cloud/branch-mutations.js";
import { addGitRepositories } from "./cloud/git-branches.js";
import { generateCloudWorld } from "./cloud/model.js";
import { CloudMutator, cloudTruth, cloudTruthCount } from "./cloud/mutations.js";
import { CloudRenderer } from "./cloud/render.js";
import { makeCredentials, parseAuthorization } from "./credentials.js";
import { DcApi } from "./dc/api.js";
import { makeDcDeployment } from "./dc-deployment.js";
import { cannedResponse, FaultQueue } from "./faults.js";
import { hostileResponse, isHostileFault } from "./hostile.js";
import { jsonResponse, type RequestContext, type SimResponse, textResponse } from "./http-types.js";
import { requestHead } from "./request-echo.js";
import { matchRoute } from "./routes.js";
import { resolveScale } from "./scale.js";
import { closeSignal, sendStream } from "./streaming.js";
import {
  ROUTE_NAMES,
  type RouteName,
  type SimRequestLog,
  type SimStats,
  type Simulator,
  type SimulatorOptions,
} from "./types.js";

// The HTTP front: classify the route, count it, apply injected faults (before auth, as a proxy
// would), then let the deployment's API answer. Handlers return responses as data.

function emptyCounts(): Record<RouteName, number> {
  const out = {} as Record<RouteName, number>;
  for (const r of ROUTE_NAMES) out[r] = 0;
  return out;
}

function normaliseContextPath(p: string | undefined): string {
  const raw = p ?? "/bitbucket";
  const trimmed = raw.replace(/\/+$/, "");
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 42;
  const latencyMs = Math.max(0, opts.latencyMs ?? 0);
  const contextPath = normaliseContextPath(opts.dcContextPath);
  const scale = resolveScale(opts.scale);
  const clock = new SimClock();

  const cloudWorld = generateCloudWorld(seed, scale.spec.cloud, scale.showcase);
  if (opts.cloudGit) addGitRepositories(cloudWorld, opts.cloudGit);
  const dcMaxLimit = Math.max(1, opts.dcMaxLimit ?? 1000);
  const dc = makeDcDeployment(seed, opts, scale, clock, dcMaxLimit);
  const credentials = makeCredentials(seed, dc.world.projects[0]?.key ?? "");
  const cloudRender = new CloudRenderer(cloudWorld);
  const cloudApi = new CloudApi(cloudWorld, cloudRender, credentials, {
    requestsPerHour: opts.cloudRequestsPerHour,
    pullRequestOrder: opts.cloudPullRequestOrder,
  });
  const dcApi = new DcApi(dc.world, dc.render, credentials, {
    maxLimit: dcMaxLimit,
    defaultBranchEndpoints: opts.dcDefaultBranchEndpoints ?? ["branches/default", "default-branch"],
    contextPath,
    backend: dc.backend,
    pullRequestOrder: opts.dcPullRequestOrder,
  });

  const faults = new FaultQueue();
  let counts = emptyCounts();
  let total = 0;
  let log: SimRequestLog[] = [];
  let closing = false;
  const scheme = opts.tls ? "https" : "http";

  const respond = (res: http.ServerResponse, r: SimResponse): void => {
    if (res.destroyed) return;
    if (r.stream) {
      sendStream(res, r.status, r.headers, r.stream);
      return;
    }
    // The server's clock is the simulated one: a client that reads Date sees the same time as the data.
    const headers: Record<string, string> = { date: new Date(clock.nowMs()).toUTCString(), ...r.headers };
    if (r.body !== undefined) headers["content-length"] = String(Buffer.byteLength(r.body));
    res.writeHead(r.status, headers);
    res.end(r.body);
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const rawPath = req.url ?? "/";
    const q = rawPath.indexOf("?");
    const pathname = q < 0 ? rawPath : rawPath.slice(0, q);
    const match = matchRoute(pathname, contextPath);
    counts[match.route] += 1;
    total += 1;
    const auth = parseAuthorization(req.headers.authorization);
    const deployment = match.route.startsWith("cloud.")
      ? "cloud"
      : match.route.startsWith("dc.")
        ? "dc"
        : "sim";
    const credentialId =
      deployment === "cloud"
        ? cloudApi.identify(auth)
        : deployment === "dc"
          ? dcApi.identify(auth)
          : undefined;
    const entry: SimRequestLog = {
      method: req.method ?? "GET",
      path: rawPath,
      route: match.route,
      status: 0,
      authorization: auth.scheme,
    };
    if (credentialId !== undefined) entry.credentialId = credentialId;
    log.push(entry);

    const fault = faults.take(match, rawPath);
    if (fault) entry.fault = fault.kind;
    // A hung request never answers; close() tears its socket down.
    if (fault?.kind === "hang") return;
    const receivedAt = performance.now();

    const ctx: RequestContext = {
      method: req.method ?? "GET",
      pathname,
      query: new URLSearchParams(q < 0 ? "" : rawPath.slice(q + 1)),
      origin: `${scheme}://${req.headers.host ?? "localhost"}`,
      auth,
    };
    const answer = (c: RequestContext): SimResponse => {
      try {
        return deployment === "cloud"
          ? cloudApi.handle(c, match)
          : deployment === "dc"
            ? dcApi.handle(c, match)
            : textResponse(
                404,
                `Not a Bitbucket API path. Cloud: /2.0, Data Center: ${contextPath}/rest/api/1.0`,
              );
      } catch (e) {
        return jsonResponse(500, { error: `simulator bug: ${e instanceof Error ? e.stack : String(e)}` });
      }
    };
    let response: SimResponse;
    if (fault?.kind === "reset") {
      response = { status: 0, headers: {} }; // never sent: the socket is destroyed below
    } else if (fault && isHostileFault(fault.kind)) {
      const signal = closeSignal(res);
      response = await hostileResponse(fault, { deployment, ctx, head: requestHead(req), signal, answer });
    } else if (fault && fault.kind !== "truncate") {
      response = cannedResponse(fault, deployment);
    } else {
      response = answer(ctx);
    }
    // The latency is the whole time to answer, building the answer included (as a server's
    // response time is), rather than a delay before starting to build it.
    if (latencyMs > 0) {
      const left = latencyMs - (performance.now() - receivedAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
    if (closing || res.destroyed) return;
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    entry.status = response.status;
    if (fault?.kind === "truncate") {
      // Promise the full length, send half, then drop the connection: a body cut mid-transfer.
      const body = Buffer.from(response.body ?? "");
      res.writeHead(response.status, { ...response.headers, "content-length": String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        setTimeout(() => req.socket.destroy(), 5);
      });
      return;
    }
    respond(res, response);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handler(req, res).catch((e: unknown) => {
      if (!res.headersSent) respond(res, jsonResponse(500, { error: String(e) }));
    });
  };
  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest)
    : http.createServer(onRequest);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host =
    address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;

  const simulator: Simulator = {
    url,
    cloudApiUrl: `${url}/2.0`,
    dcUrl: `${url}${contextPath}`,
    credentials,
    stats: (): SimStats => ({ total, byRoute: { ...counts } }),
    resetStats: () => {
      counts = emptyCounts();
      total = 0;
      log = [];
    },
    requests: () => log.map((e) => ({ ...e })),
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    truth: () => ({
      cloud: cloudTruth(cloudWorld, cloudRender),
      cloudBranch: cloudBranchTruth(cloudWorld),
      dc: dc.truth(),
      dcPullRequests: dc.pullRequestTruth(),
    }),
    truthCount: () => ({
      cloud: cloudTruthCount(cloudWorld),
      cloudBranch: cloudBranchTruthCount(cloudWorld),
      dc: dc.truthCount(),
      dcPullRequests: dc.pullRequestTruthCount(),
    }),
    now: () => new Date(clock.nowMs()),
    advanceClock: (seconds) => {
      clock.advance(seconds);
    },
    cloud: new CloudMutator(cloudWorld, cloudRender, clock),
    dc: dc.mutations,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return simulator;
}
