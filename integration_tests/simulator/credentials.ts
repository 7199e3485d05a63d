import { hash32, hashString, mix32 } from "./hash.js";
import type { SimCredentials } from "./types.js";

// Secrets are long and random-looking so that tests can sweep logs and output for them, yet
// deterministic per seed so that runs are reproducible.

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const HEX = "0123456789abcdef";

function secret(seed: number, label: string, length: number, alphabet: string): string {
  let h = hash32(seed, hashString(label));
  let out = "";
  for (let i = 0; i < length; i++) {
    h = mix32(h + 0x6d2b79f5 + i);
    out += alphabet[h % alphabet.length];
  }
  return out;
}

/** Atlassian-style token: fixed prefix, long base64url body, "=" and an 8-hex checksum. */
function atlassianToken(seed: number, prefix: string, label: string): string {
  return `${prefix}${secret(seed, label, 180, B64URL)}=${secret(seed, `${label}/crc`, 8, HEX).toUpperCase()}`;
}

export function makeCredentials(seed: number, httpTokenProjectKey: string): SimCredentials {
  return {
    cloud: {
      accessToken: atlassianToken(seed, "ATCTT3xFfGN0", "cloud/access"),
      apiToken: { email: "sim.user@acme.example", token: atlassianToken(seed, "ATATT3xFfGF0", "cloud/api") },
      noPullRequestScopeToken: atlassianToken(seed, "ATCTT3xFfGN0", "cloud/no-pr-scope"),
      otherWorkspaceToken: atlassianToken(seed, "ATCTT3xFfGN0", "cloud/other-ws"),
    },
    dc: {
      username: "sim.admin",
      password: secret(seed, "dc/password", 32, ALNUM),
      personalAccessToken: `BBDC-${secret(seed, "dc/pat", 44, B64URL)}`,
      httpAccessToken: `BBDC-${secret(seed, "dc/http", 44, B64URL)}`,
      httpAccessTokenProjectKey: httpTokenProjectKey,
      noAccessUser: { username: "sim.nobody", password: secret(seed, "dc/nobody", 32, ALNUM) },
    },
  };
}

export type AuthScheme = "none" | "basic" | "bearer";

export interface PresentedAuth {
  scheme: AuthScheme;
  /** Set for Basic: the decoded user and password. */
  user?: string;
  password?: string;
  /** Set for Bearer. */
  token?: string;
  /** A header was sent but could not be understood (unknown scheme, bad base64). */
  malformed: boolean;
}

export function parseAuthorization(header: string | undefined): PresentedAuth {
  if (!header) return { scheme: "none", malformed: false };
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : header.slice(space + 1).trim();
  if (scheme === "bearer") return { scheme: "bearer", token: value, malformed: value === "" };
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return { scheme: "basic", malformed: true };
    return {
      scheme: "basic",
      user: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      malformed: false,
    };
  }
  return { scheme: "none", malformed: true };
}
