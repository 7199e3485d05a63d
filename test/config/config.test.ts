import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig, secretsOf } from "../../src/config/load.js";
import { assertAirbyteRules, connectorSpecification } from "../../src/config/spec.js";
import { unknownKeys } from "../../src/config/unknown-keys.js";
import { ConnectorError } from "../../src/errors.js";
import { validateMessage } from "../helpers/protocol.js";

const cloud = { workspace: "acme", credentials: { auth_type: "access_token", access_token: "tok-123456" } };
const dc = {
  url: "https://git.example.com/bitbucket/",
  credentials: { auth_type: "basic", username: "jane", password: "pw-123456" },
};

function error(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("config_error");
    return (err as ConnectorError).message;
  }
  throw new Error("expected a config error");
}

describe("parseConfig", () => {
  it("applies defaults and resolves every auth method", () => {
    const c = parseConfig({ cloud, data_center: dc });
    expect(c.deployments.cloud).toEqual({
      workspace: "acme",
      auth: { kind: "bearer", token: "tok-123456" },
      pullRequestStates: ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"],
      apiUrl: "https://api.bitbucket.org/2.0",
      repositories: undefined,
      changeDetection: "every_repository",
      fullSweepSyncs: 24,
    });
    expect(c.deployments.data_center).toEqual({
      url: "https://git.example.com/bitbucket",
      auth: { kind: "basic", username: "jane", password: "pw-123456" },
      pullRequestStates: ["OPEN", "MERGED", "DECLINED"],
      projects: undefined,
      repositories: undefined,
      caCertificate: undefined,
    });
    expect(c.http).toEqual({
      maxConcurrency: 8,
      timeoutMs: 60_000,
      requestsPerHour: undefined,
      maxResponseBytes: 32 * 1_048_576,
      outageMs: 180_000,
      retry: {
        maxRetries: 8,
        initialBackoffMs: 1000,
        maxBackoffMs: 60_000,
        rateLimitStepMs: 60_000,
        maxRateLimitWaitMs: 3_600_000,
      },
    });

    const api = parseConfig({
      cloud: {
        ...cloud,
        credentials: { auth_type: "api_token", email: "jane@example.com", api_token: "at-1234" },
      },
    });
    expect(api.deployments.cloud?.auth).toEqual({
      kind: "basic",
      username: "jane@example.com",
      password: "at-1234",
    });
    const bearer = parseConfig({
      data_center: { ...dc, credentials: { auth_type: "access_token", access_token: "http-token-1" } },
    });
    expect(bearer.deployments.data_center?.auth).toEqual({ kind: "bearer", token: "http-token-1" });
  });

  it("accepts a CA certificate that parses, and names the field when one does not", () => {
    const pem = readFileSync(
      new URL("../../integration_tests/fixtures/tls/cert.pem", import.meta.url),
      "utf8",
    );
    expect(
      parseConfig({ data_center: { ...dc, ca_certificate: pem } }).deployments.data_center?.caCertificate,
    ).toBe(pem);
    expect(
      parseConfig({ data_center: { ...dc, ca_certificate: `${pem}\n${pem}` } }).deployments.data_center,
    ).toBeDefined();
    expect(error({ data_center: { ...dc, ca_certificate: "not a certificate" } })).toContain(
      "data_center.ca_certificate: must be PEM text",
    );
    const damaged = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    expect(error({ data_center: { ...dc, ca_certificate: `${pem}${damaged}` } })).toMatch(
      /data_center\.ca_certificate: certificate 2 of 2 is not a valid X\.509 certificate/,
    );
  });

  it("parses filters, start date, shard and repositories as PROJECT/slug", () => {
    const c = parseConfig({
      cloud: {
        ...cloud,
        repositories: ["a", "b", "a"],
        pull_request_states: ["MERGED"],
        api_url: "http://127.0.0.1:9/2.0/",
      },
      data_center: { ...dc, projects: ["PLAT"], repositories: ["PLAT/api"] },
      start_date: "2024-01-01T00:00:00+02:00",
      shard: { index: 1, count: 3 },
      requests_per_hour: 900,
    });
    expect(c.deployments.cloud?.repositories).toEqual(["a", "b"]);
    expect(c.deployments.cloud?.pullRequestStates).toEqual(["MERGED"]);
    expect(c.deployments.cloud?.apiUrl).toBe("http://127.0.0.1:9/2.0");
    expect(c.deployments.data_center?.repositories).toEqual([{ project: "PLAT", slug: "api" }]);
    expect(c.startDate?.toISOString()).toBe("2023-12-31T22:00:00.000Z");
    expect(c.shard).toEqual({ index: 1, count: 3 });
    expect(c.http.requestsPerHour).toBe(900);
  });

  it.each([
    ["2026-05-01", "2026-05-01T00:00:00.000Z"],
    ["2026-05-01T00:00:00Z", "2026-05-01T00:00:00.000Z"],
    ["2026-05-01t10:30:00z", "2026-05-01T10:30:00.000Z"],
    ["2026-05-01T02:00:00+02:00", "2026-05-01T00:00:00.000Z"],
    ["2026-04-30T19:00:00-05:00", "2026-05-01T00:00:00.000Z"],
    ["2026-05-01T00:00:00.123456+00:00", "2026-05-01T00:00:00.123Z"],
    // Meltano's form of an unquoted YAML timestamp: ruamel.yaml's naive UTC datetime, isoformat().
    ["2026-05-01T08:00:00", "2026-05-01T08:00:00.000Z"],
    ["2026-05-01T08:00:00.500000", "2026-05-01T08:00:00.500Z"],
    [" 2024-02-29 ", "2024-02-29T00:00:00.000Z"],
  ])("reads start_date %j as the instant %s", (startDate, instant) => {
    expect(parseConfig({ cloud, start_date: startDate }).startDate?.toISOString()).toBe(instant);
  });

  it.each([
    [null, "must be a JSON object, got null"],
    [[1], "must be a JSON object, got an array"],
    [{}, "set `cloud` (Bitbucket Cloud), `data_center` (Bitbucket Data Center), or both"],
    [{ cloud: { credentials: cloud.credentials } }, "cloud.workspace: is required"],
    [{ cloud: { ...cloud, workspace: 42 } }, "cloud.workspace: expected string, received number"],
    [
      { cloud: { ...cloud, credentials: { auth_type: "app_password", password: "x" } } },
      'cloud.credentials.auth_type: unknown or missing auth_type; expected "access_token" or "api_token"',
    ],
    [
      { cloud: { ...cloud, credentials: { auth_type: "access_token" } } },
      "cloud.credentials.access_token: is required",
    ],
    [{ cloud: { ...cloud, api_url: "not a url" } }, "cloud.api_url: must be an http:// or https:// URL"],
    [{ data_center: { ...dc, url: "ftp://x" } }, "data_center.url: must be an http:// or https:// URL"],
    [
      { data_center: { ...dc, url: "https://jane:s3cret-pw@git.example.com" } },
      "data_center.url: must not contain a user name or password",
    ],
    [
      { cloud: { ...cloud, api_url: "https://u:p@api.example.com/2.0" } },
      "cloud.api_url: must not contain a user name or password",
    ],
    [{ cloud, max_response_mb: 0 }, "max_response_mb: must be at least 1"],
    [
      { data_center: { ...dc, repositories: ["noslash"] } },
      "data_center.repositories.0: must be PROJECT/slug",
    ],
    [{ cloud, start_date: "yesterday" }, "start_date: must be a date such as 2026-05-01 or an RFC 3339"],
    [{ cloud, start_date: "2026-05-01T10:00Z" }, "start_date: must be a date such as 2026-05-01"],
    [{ cloud, start_date: "2026-05-01T10:00:00+0200" }, "start_date: must be a date such as 2026-05-01"],
    [{ cloud, start_date: "2026-13-01" }, "start_date: is not a valid date"],
    [{ cloud, start_date: "2026-05-01T24:00:00Z" }, "start_date: is not a valid date"],
    [{ cloud, start_date: "2026-05-01T10:00:00+24:00" }, "start_date: is not a valid date"],
    [{ cloud, start_date: "2024-02-30T00:00:00Z" }, "start_date: is not a valid date"],
    [{ cloud, max_concurrency: 0 }, "max_concurrency: must be at least 1"],
    [{ cloud, max_concurrency: 65 }, "max_concurrency: must be at most 64"],
    [{ cloud, request_timeout_seconds: 1.5 }, "request_timeout_seconds: expected int"],
    [{ cloud, shard: { index: 3, count: 3 } }, "shard.index: index must be less than count"],
    [{ cloud: { ...cloud, pull_request_states: ["OPEN", "CLOSED"] } }, "cloud.pull_request_states.1"],
  ])("rejects %j with a message naming the field", (raw, expected) => {
    expect(error(raw)).toContain(expected);
  });

  it("never echoes a password given in a URL", () => {
    expect(error({ data_center: { ...dc, url: "https://jane:s3cret-pw@git.example.com" } })).not.toContain(
      "s3cret-pw",
    );
  });

  it("finds every secret, however short, and the Basic credentials as sent, for masking before validation", () => {
    const s = secretsOf({
      cloud: { credentials: { email: " a@b.c ", api_token: "T1" } },
      data_center: { credentials: { username: "u", password: "P" } },
    });
    const b64 = (t: string) => Buffer.from(t).toString("base64");
    expect(new Set(s)).toEqual(new Set(["T1", "P", b64(" a@b.c :T1"), b64("a@b.c:T1"), b64("u:P")]));
  });
});

describe("unknown config keys", () => {
  it("are warned about with the nearest known key, at any depth, and not rejected", () => {
    const spec = connectorSpecification().connectionSpecification;
    const raw = {
      cloud: {
        ...cloud,
        pullrequest_states: ["OPEN"],
        credentials: { ...cloud.credentials, acess_token: "x" },
      },
      requst_timeout_seconds: 5,
      retry: { max_retry: 3 },
      something_else_entirely: true,
    };
    expect(unknownKeys(raw, spec)).toEqual([
      "the config key cloud.credentials.acess_token is not an option of this connector and is ignored; did you mean cloud.credentials.access_token?",
      "the config key cloud.pullrequest_states is not an option of this connector and is ignored; did you mean cloud.pull_request_states?",
      "the config key requst_timeout_seconds is not an option of this connector and is ignored; did you mean request_timeout_seconds?",
      "the config key retry.max_retry is not an option of this connector and is ignored; did you mean retry.max_retries?",
      "the config key something_else_entirely is not an option of this connector and is ignored",
    ]);
    expect(() => parseConfig(raw)).not.toThrow();
    expect(unknownKeys({ cloud, data_center: dc }, spec)).toEqual([]);
  });
});

describe("spec", () => {
  const spec = connectorSpecification();
  const props = (
    spec.connectionSpecification as { properties: Record<string, { properties: Record<string, unknown> }> }
  ).properties;

  it("is a valid SPEC message and follows Airbyte's spec rules", () => {
    expect(validateMessage({ type: "SPEC", spec })).toBe(true);
    expect(() => assertAirbyteRules(spec.connectionSpecification)).not.toThrow();
    expect(JSON.stringify(spec)).not.toContain('"additionalProperties":false');
    expect(JSON.stringify(spec)).not.toContain("$ref");
  });

  it("rejects a oneOf whose parent is not of type object (CAT test_oneof_usage)", () => {
    const variant = (v: string) => ({ type: "object", properties: { kind: { type: "string", const: v } } });
    const oneOf = [variant("a"), variant("b")];
    expect(() => assertAirbyteRules({ properties: { c: { oneOf } } })).toThrow(/"type": "object"/);
    expect(() => assertAirbyteRules({ properties: { c: { type: "object", oneOf } } })).not.toThrow();
  });

  it("marks every secret airbyte_secret and discriminates credentials by an auth_type const", () => {
    for (const deployment of ["cloud", "data_center"]) {
      const creds = props[deployment]?.properties.credentials as {
        oneOf: { properties: Record<string, { const?: string; airbyte_secret?: boolean }> }[];
      };
      expect(creds.oneOf.length).toBe(2);
      for (const option of creds.oneOf) {
        expect(typeof option.properties.auth_type?.const).toBe("string");
        for (const [k, v] of Object.entries(option.properties)) {
          if (["access_token", "api_token", "password"].includes(k)) expect(v.airbyte_secret).toBe(true);
        }
      }
    }
  });

  it("is exactly spec.json", () => {
    const file = JSON.parse(readFileSync(new URL("../../spec.json", import.meta.url), "utf8"));
    expect(file).toEqual(JSON.parse(JSON.stringify(spec)));
  });

  it("accepts what parseConfig accepts: every property has a title or is a const", () => {
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== "object" || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.properties) {
        for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          if (v.const === undefined && !v.title && v.type !== "object")
            throw new Error(`${path}.${k} has no title`);
          walk(v, `${path}.${k}`);
        }
      }
      for (const o of (n.oneOf as unknown[]) ?? []) walk(o, path);
    };
    walk(spec.connectionSpecification, "$");
  });
});
