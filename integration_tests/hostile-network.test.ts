import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { errors, logs, type Message, records, runRead } from "./helpers/cli.js";
import {
  BOTH,
  CLOUD_STREAM,
  catalog,
  cloudConfig,
  cloudKey,
  DC_STREAM,
  dcConfig,
  dcKey,
  FAST_RETRY,
} from "./helpers/configs.js";
import { type Simulator, startProxy, startSimulator, type TestProxy } from "./simulator/index.js";

// Rows 7 and 11 of the issue "One fault stays one fault": the networks users run in. A forward
// proxy (the test tooling's, CONNECT for https) in front of a host name only it resolves, and a
// private CA given both in NODE_EXTRA_CA_CERTS and beside an unrelated one in ca_certificate.

const tlsDir = new URL("fixtures/tls/", import.meta.url);
const CERT_FILE = new URL("cert.pem", tlsDir).pathname;
const tls = { key: readFileSync(new URL("key.pem", tlsDir), "utf8"), cert: readFileSync(CERT_FILE, "utf8") };
const INTERNAL_CERT_FILE = new URL("internal-cert.pem", tlsDir).pathname;
const INTERNAL_CERT = readFileSync(INTERNAL_CERT_FILE, "utf8");
const INTERNAL = "bitbucket.internal";

let sim: Simulator | undefined;
let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await sim?.close();
  proxy = undefined;
  sim = undefined;
});

/** No proxy settings from the machine running the tests: each test sets its own. */
const NO_PROXY_ENV = Object.fromEntries(
  ["http_proxy", "https_proxy", "no_proxy"].flatMap((k) => [
    [k, undefined],
    [k.toUpperCase(), undefined],
  ]),
);

/**
 * A little of each deployment (enough to page), at `origin`; Data Center's ca_certificate is the
 * certificate for bitbucket.internal. `undefined` in `extra` leaves a deployment out.
 */
function config(s: Simulator, origin: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cloud: cloudConfig(s, "access_token", { api_url: `${origin}/2.0`, repositories: ["data-pipeline"] }),
    data_center: dcConfig(s, "basic", {
      url: `${origin}/bitbucket`,
      projects: ["SEC"],
      ca_certificate: INTERNAL_CERT,
    }),
    retry: FAST_RETRY,
    request_timeout_seconds: 5,
    ...extra,
  };
}

function expectRead(s: Simulator, ms: Message[]): void {
  const truth = s.truth();
  expect(new Set(records(ms, CLOUD_STREAM).map(cloudKey))).toEqual(
    new Set(
      truth.cloud.filter((c) => c.workspace === "acme" && c.repo_slug === "data-pipeline").map(cloudKey),
    ),
  );
  expect(new Set(records(ms, DC_STREAM).map(dcKey))).toEqual(
    new Set(truth.dc.filter((d) => d.project_key === "SEC").map(dcKey)),
  );
  expect(records(ms).length).toBeGreaterThan(500);
}

describe("networks", () => {
  const user = "proxy-user";
  const password = "p@ss-w0rd!";
  const proxyUrl = (p: TestProxy) => `http://${user}:${encodeURIComponent(password)}@127.0.0.1:${p.port}`;

  it("row 7: reads both deployments through HTTP_PROXY / https_proxy (CONNECT, ca_certificate applied to the target) at a name only the proxy resolves, bypasses it for NO_PROXY, and never prints its credentials", async () => {
    // Plain http, upper-case variable: absolute-form requests (or tunnels) through the proxy.
    sim = await startSimulator();
    proxy = await startProxy({ hosts: { [INTERNAL]: sim.url }, auth: { username: user, password } });
    const plain = await runRead(config(sim, `http://${INTERNAL}`), catalog(BOTH), {
      env: { ...NO_PROXY_ENV, HTTP_PROXY: proxyUrl(proxy) },
    });
    expect(plain.code, plain.stdout.slice(-1000)).toBe(0);
    expectRead(sim, plain.messages);
    const through = proxy.requests();
    expect(through.length).toBeGreaterThan(0);
    expect(through.every((q) => q.status !== 407 && q.upstream === new URL(sim!.url).host)).toBe(true);
    expect(logs(plain.messages, "INFO")).toContain(
      `Bitbucket Cloud: requests go through the proxy http://127.0.0.1:${proxy.port}`,
    );
    expect(plain.stdout + plain.stderr).not.toContain(user);
    await proxy.close();
    await sim.close();

    // https, lower-case variable: CONNECT tunnels. Data Center verifies the target with its
    // ca_certificate alone; Cloud, which has no such option, with NODE_EXTRA_CA_CERTS.
    sim = await startSimulator({ tls: { key: tls.key, cert: INTERNAL_CERT } });
    proxy = await startProxy({ hosts: { [`${INTERNAL}:443`]: sim.url }, auth: { username: user, password } });
    const origin = `https://${INTERNAL}`;
    const dc = await runRead(config(sim, origin, { cloud: undefined }), catalog([DC_STREAM]), {
      env: { ...NO_PROXY_ENV, https_proxy: proxyUrl(proxy), NODE_EXTRA_CA_CERTS: undefined },
    });
    const cloud = await runRead(config(sim, origin, { data_center: undefined }), catalog([CLOUD_STREAM]), {
      env: { ...NO_PROXY_ENV, https_proxy: proxyUrl(proxy), NODE_EXTRA_CA_CERTS: INTERNAL_CERT_FILE },
    });
    for (const r of [dc, cloud]) expect(r.code, r.stdout.slice(-1000)).toBe(0);
    expectRead(sim, [...dc.messages, ...cloud.messages]);
    const tunnels = proxy.requests();
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((q) => q.connect && q.target === `${INTERNAL}:443` && q.status === 200)).toBe(true);
    for (const r of [dc, cloud]) expect(r.stdout + r.stderr).not.toContain(user);

    // NO_PROXY: the simulator's own name goes direct; the proxy sees nothing.
    proxy.clearRequests();
    const direct = await runRead(
      config(sim, sim.url.replace("127.0.0.1", "localhost"), { cloud: undefined }),
      catalog([DC_STREAM]),
      { env: { ...NO_PROXY_ENV, HTTPS_PROXY: proxyUrl(proxy), NO_PROXY: "example.com, .localhost" } },
    );
    expect(direct.code, direct.stdout.slice(-1000)).toBe(0);
    expect(records(direct.messages, DC_STREAM).length).toBe(records(dc.messages, DC_STREAM).length);
    expect(proxy.requests()).toEqual([]);
  });

  it("row 11: trusts the CA of NODE_EXTRA_CA_CERTS when ca_certificate holds another, unrelated one", async () => {
    sim = await startSimulator({ tls });
    const origin = sim.url;
    // Data Center's ca_certificate (bitbucket.internal's) alone does not verify this server.
    const alone = await runRead(config(sim, origin, { cloud: undefined }), catalog([DC_STREAM]), {
      env: { ...NO_PROXY_ENV, NODE_EXTRA_CA_CERTS: undefined },
    });
    expect(alone.code).toBe(1);
    expect(errors(alone.messages)[0]?.message).toMatch(/TLS verification failed/);

    const both = await runRead(config(sim, origin), catalog(BOTH), {
      env: { ...NO_PROXY_ENV, NODE_EXTRA_CA_CERTS: CERT_FILE },
    });
    expect(both.code, both.stdout.slice(-1000)).toBe(0);
    expectRead(sim, both.messages);
  });
});
