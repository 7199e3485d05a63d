import type { IncomingMessage } from "node:http";
import { jsonResponse, type SimResponse } from "./http-types.js";
import { parsePage, setPath, targetValue, withBody } from "./page-tampering.js";
import type { FaultSpec } from "./types.js";

// Servers and proxies that echo the request back (debug error pages, TRACE-like handlers, a
// field copied from the request): the Authorization header ends up in a body the connector may
// log or emit. Tests check that it comes out masked.

/** The request line and headers exactly as received (names in their own case), CRLF-separated. */
export function requestHead(req: IncomingMessage): string {
  const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  return lines.join("\r\n");
}

/** An error in the deployment's own format whose message is the whole request head. */
export function echoError(deployment: "cloud" | "dc" | "sim", spec: FaultSpec, head: string): SimResponse {
  const status = spec.status ?? 400;
  return deployment === "dc"
    ? jsonResponse(
        status,
        { errors: [{ context: null, message: head, exceptionName: null }] },
        "application/json;charset=UTF-8",
      )
    : jsonResponse(status, { type: "error", error: { message: head } });
}

/** The API's page with the request head in a top-level `request` and in one value's `field`. */
export function echoInPage(real: SimResponse, spec: FaultSpec, head: string): SimResponse {
  const page = parsePage(real);
  if (!page) return real;
  page.request = head;
  const target = targetValue(page, spec);
  if (target) setPath(target, spec.field ?? "message", head);
  return withBody(real, JSON.stringify(page));
}
