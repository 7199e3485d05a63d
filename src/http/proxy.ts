/**
 * The forward proxy a request to an origin goes through, from the environment variables users
 * of corporate networks already set: HTTPS_PROXY for https targets (falling back to HTTP_PROXY,
 * as undici's EnvHttpProxyAgent does), HTTP_PROXY for http ones, NO_PROXY for exceptions. The
 * lower-case forms win over the upper-case ones, as in curl. undici ignores them unless told.
 */
export type Env = Record<string, string | undefined>;

const pick = (env: Env, name: string): string | undefined => {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v?.trim() ? v.trim() : undefined;
};

/** The proxy URL for requests to `target`, or undefined for a direct connection. */
export function proxyFor(target: URL, env: Env = process.env): string | undefined {
  const proxy =
    target.protocol === "https:"
      ? (pick(env, "https_proxy") ?? pick(env, "http_proxy"))
      : pick(env, "http_proxy");
  if (!proxy || bypassed(target, pick(env, "no_proxy") ?? "")) return undefined;
  // A proxy written without a scheme (`proxy:3128`) is an http proxy, as curl reads it.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/**
 * NO_PROXY: comma- or space-separated host names (a leading `.` or `*.` matches subdomains, a
 * bare name matches itself and its subdomains), optional `:port`, or `*` for everything.
 */
export function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const { name, port: only } = hostAndPort(entry);
    if (only !== undefined && only !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** A NO_PROXY entry's host name (without `*.`, `.` or brackets) and port: `::1` is all host. */
function hostAndPort(entry: string): { name: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return { name: shortIPv6(v6[1]!), ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  const m = entry.split(":").length === 2 ? /^(.*):(\d+)$/.exec(entry) : null;
  const name = (m ? m[1]! : entry).replace(/^\*?\./, "");
  return { name: name.includes(":") ? shortIPv6(name) : name, ...(m ? { port: Number(m[2]) } : {}) };
}

/** An IPv6 address as a URL writes it (`fd00:0:0:0:0:0:0:1` is `fd00::1`), to compare with one. */
function shortIPv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return address;
  }
}

/** Credentials written in the proxy URLs of the environment, so that they can be masked. */
export function proxySecrets(env: Env = process.env): string[] {
  const out: string[] = [];
  for (const name of ["https_proxy", "http_proxy"]) {
    for (const value of [env[name], env[name.toUpperCase()]]) {
      if (!value) continue;
      try {
        const u = new URL(/:\/\//.test(value) ? value : `http://${value}`);
        if (u.password) out.push(decodeURIComponent(u.password), u.password);
        if (u.username && u.password)
          out.push(
            Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString(
              "base64",
            ),
          );
      } catch {
        // Not a URL: undici will say so when it is used; nothing to mask.
      }
    }
  }
  return out;
}

/** The proxy URL without its credentials, fit for a log line. */
export function displayProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    u.username = "";
    u.password = "";
    return u.origin;
  } catch {
    return "(unparsable proxy URL)";
  }
}
