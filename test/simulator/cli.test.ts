import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import type { SimCredentials } from "../../integration_tests/simulator/index.js";
import { bearer, get } from "./http.js";

interface Ready {
  url: string;
  cloudApiUrl: string;
  dcUrl: string;
  credentials: SimCredentials;
}

const TLS_DIR = "integration_tests/fixtures/tls";
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts the CLI the way users do (through tsx) and waits for its one JSON line. */
function startCli(args: string[]): Promise<{ child: ChildProcess; ready: Ready; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", "integration_tests/simulator/cli.ts", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const lines: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      lines.push(line);
      if (lines.length === 1) resolve({ child, ready: JSON.parse(line) as Ready, lines });
    });
    child.once("exit", (code) => reject(new Error(`cli exited with ${code} before ready: ${stderr}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

describe("simulator CLI", () => {
  it("prints one JSON line with urls and credentials, serves, and exits 0 on SIGTERM", async () => {
    const { child, ready, lines } = await startCli([
      "--port",
      "0",
      "--scale",
      "small",
      "--seed",
      "42",
      "--latency",
      "5",
    ]);
    expect(Object.keys(ready).sort()).toEqual(["cloudApiUrl", "credentials", "dcUrl", "url"]);
    expect(ready.cloudApiUrl).toBe(`${ready.url}/2.0`);
    expect(ready.dcUrl).toBe(`${ready.url}/bitbucket`);
    const r = await get<{ size: number }>(
      `${ready.cloudApiUrl}/repositories/acme`,
      bearer(ready.credentials.cloud.accessToken),
    );
    expect(r.json.size).toBe(12);
    child.kill("SIGTERM");
    expect(await exitCode(child)).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it("sizes deployments from --cloud-commits / --dc-commits", async () => {
    const { child, ready } = await startCli([
      "--port",
      "0",
      "--cloud-commits",
      "5000",
      "--dc-commits",
      "20000",
    ]);
    const r = await get<{ size: number }>(
      `${ready.cloudApiUrl}/repositories/acme`,
      bearer(ready.credentials.cloud.accessToken),
    );
    expect(r.json.size).toBe(3);
    const dc = await get<{ values: unknown[] }>(
      `${ready.dcUrl}/rest/api/1.0/repos?limit=100`,
      bearer(ready.credentials.dc.personalAccessToken),
    );
    expect(dc.json.values).toHaveLength(20);
    child.kill("SIGINT");
    expect(await exitCode(child)).toBe(0);
  });

  it("serves HTTPS with --tls-key/--tls-cert", async () => {
    const { child, ready } = await startCli([
      "--port",
      "0",
      "--tls-key",
      `${TLS_DIR}/key.pem`,
      "--tls-cert",
      `${TLS_DIR}/cert.pem`,
    ]);
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(`${TLS_DIR}/cert.pem`, "utf8");
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(
          `${ready.cloudApiUrl}/repositories/acme`,
          { ca, headers: bearer(ready.credentials.cloud.accessToken) },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on("error", reject);
    });
    expect(status).toBe(200);
    child.kill("SIGTERM");
    expect(await exitCode(child)).toBe(0);
  });

  it("rejects bad arguments with exit code 2", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "integration_tests/simulator/cli.ts", "--scale", "huge"],
      {
        stdio: "ignore",
      },
    );
    children.push(child);
    expect(await exitCode(child)).toBe(2);
  });
});
