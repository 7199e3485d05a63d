import { ConnectorError } from "../errors.js";
import type { Logger } from "../protocol/output.js";
import type { Query } from "./client.js";

/**
 * Builds a request URL from a path relative to the base URL, or an absolute URL (a `next` link),
 * and refuses any URL outside the configured origin: credentials go to that origin only, so a
 * `next` link or a redirect elsewhere is never followed.
 */
export function resolveTarget(
  base: URL,
  target: string,
  query: Query | undefined,
  service: string,
  logger: Logger,
): URL {
  const url = /^https?:\/\//i.test(target) ? new URL(target) : new URL(target.replace(/^\/+/, ""), base);
  if (url.origin !== base.origin) throw foreignOrigin(url, "a link", service, base, logger);
  if (query) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v])
        parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
    }
    if (parts.length) url.search = url.search ? `${url.search}&${parts.join("&")}` : `?${parts.join("&")}`;
  }
  return url;
}

export function foreignOrigin(
  url: URL,
  what: string,
  service: string,
  base: URL,
  logger: Logger,
): ConnectorError {
  const msg = `${service} sent ${what} to another host (${url.origin}); refusing to follow it, so that credentials meant for ${base.origin} are never sent elsewhere`;
  logger.warn(msg);
  return new ConnectorError("unexpected_response", msg);
}
