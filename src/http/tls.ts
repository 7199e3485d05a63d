import { readFileSync } from "node:fs";
import * as tls from "node:tls";

/**
 * The certificate authorities to trust when the user adds a private one: Node's own roots, those
 * of NODE_EXTRA_CA_CERTS, and the user's. Node's `ca` option replaces the default roots instead
 * of adding to them, so all three must be passed together. Node 22.15+ tells its defaults with
 * getCACertificates("default") (extra certificates included); on older versions the extra file
 * is read here.
 */
export function trustedCas(
  extraPem: string,
  env: Record<string, string | undefined> = process.env,
): string[] {
  const getDefaults = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  const defaults = getDefaults ? getDefaults("default") : [...tls.rootCertificates, ...extraCaFile(env)];
  return [...defaults, extraPem];
}

function extraCaFile(env: Record<string, string | undefined>): string[] {
  const path = env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return (
      readFileSync(path, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
    );
  } catch {
    return []; // Node itself only warns about an unreadable file; so do we, by not failing.
  }
}
