import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DOCUMENTATION_URL } from "../src/config/spec.js";
import { VERSION } from "../src/version.js";

const file = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), "utf8");

describe("packaging", () => {
  const pkg = JSON.parse(file("package.json")) as { version: string; bin: Record<string, string> };
  const metadata = parse(file("metadata.yaml")) as { data: Record<string, unknown> };
  const dockerfile = file("Dockerfile");
  const label = (name: string) =>
    new RegExp(`${name.replaceAll(".", "\\.")}="([^"]+)"`).exec(dockerfile)?.[1];

  it("keeps one version and one image name across package.json, the code, the image and metadata.yaml", () => {
    expect(VERSION).toBe(pkg.version);
    expect(label("io.airbyte.version")).toBe(pkg.version);
    expect(metadata.data.dockerImageTag).toBe(pkg.version);
    expect(label("io.airbyte.name")).toBe(metadata.data.dockerRepository);
    const cat = parse(file("acceptance-test-config.yml")) as {
      connector_image: string;
      test_strictness_level: string;
    };
    expect(cat.connector_image.split(":")[0]).toBe(metadata.data.dockerRepository);
    expect(cat.test_strictness_level).toBe("high");
    expect(metadata.data.documentationUrl).toBe(DOCUMENTATION_URL);
    expect(metadata.data.connectorSubtype).toBe("api");
  });

  it("lets the platform reach exactly the hosts the connector uses", () => {
    const hosts = (metadata.data.allowedHosts as { hosts: string[] }).hosts;
    // Airbyte's own interpolation syntax, not a JavaScript template.
    const ref = (field: string) => ["$", "{", field, "}"].join("");
    expect(hosts).toEqual(["api.bitbucket.org", ref("cloud.api_url"), ref("data_center.url")]);
  });

  it("declares AIRBYTE_ENTRYPOINT equal to the exec-form ENTRYPOINT joined by spaces, and runs as a non-root user", () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    const env = /^ENV AIRBYTE_ENTRYPOINT="([^"]+)"$/m.exec(dockerfile)?.[1];
    expect(entrypoint.length).toBeGreaterThan(0);
    expect(env).toBe(entrypoint.join(" "));
    expect(/^USER (\S+)$/m.exec(dockerfile)?.[1]).toBe("node");
    expect(dockerfile).toMatch(/^FROM node:24-slim/m);
    expect(entrypoint.at(-1)).toBe(`/airbyte/integration_code/${pkg.bin["source-bitbucket"]}`);
  });
});
