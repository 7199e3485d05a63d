import { readFileSync } from "node:fs";
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { trustedCas } from "../../src/http/tls.js";

const CERT_FILE = new URL("../../integration_tests/fixtures/tls/cert.pem", import.meta.url).pathname;
const mine = readFileSync(
  new URL("../../integration_tests/fixtures/tls/internal-cert.pem", import.meta.url),
  "utf8",
);

describe("trustedCas", () => {
  it("adds ca_certificate to the system roots and those of NODE_EXTRA_CA_CERTS, instead of replacing them", () => {
    const extra = readFileSync(CERT_FILE, "utf8").trim();
    const cas = trustedCas(mine, { NODE_EXTRA_CA_CERTS: CERT_FILE });
    expect(cas.at(-1)).toBe(mine);
    expect(cas).toContain(tls.rootCertificates[0]);
    // Node 22.15+ tells its defaults (the extra certificates it read at start-up included);
    // before, the file named in the environment given is read.
    const nodeDefaults = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
    if (nodeDefaults) expect(cas.slice(0, -1)).toEqual(nodeDefaults("default"));
    else expect(cas.map((c) => c.trim())).toContain(extra);
  });

  it("goes on without an unreadable NODE_EXTRA_CA_CERTS, as Node itself does", () => {
    const cas = trustedCas(mine, { NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" });
    expect(cas.at(-1)).toBe(mine);
    expect(cas.length).toBeGreaterThan(1);
  });
});
