import type { SimResponse } from "./http-types.js";
import type { RouteMatch } from "./routes.js";
import type { FaultKind, FaultSpec } from "./types.js";

// Injected faults: transport and gateway failures a connector must survive. They are consumed in
// insertion order by matching requests, before authentication.

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    // Said at injection rather than as a 500 in the middle of a test run.
    if (spec.kind === "corrupt-value" && spec.field === undefined)
      throw new Error("corrupt-value needs a field");
    const times = spec.times ?? 1;
    if (!(times > 0)) return;
    this.faults.push({ spec, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that answers this request, if any (and uses up one of its times). */
  take(match: RouteMatch, pathWithQuery: string): FaultSpec | undefined {
    const i = this.faults.findIndex((f) => {
      if (f.spec.repository !== undefined && f.spec.repository !== repositoryOf(match)) return false;
      const r = f.spec.route;
      if (r === undefined) return true;
      if (typeof r === "string") return r === match.route;
      r.lastIndex = 0;
      return r.test(pathWithQuery);
    });
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(i, 1);
    return fault.spec;
  }
}

/** "workspace/slug" or "PROJECT/slug" for routes about one repository. */
function repositoryOf(match: RouteMatch): string | undefined {
  const { workspace, key, slug } = match.params;
  const owner = workspace ?? key;
  return owner !== undefined && slug !== undefined ? `${owner}/${slug}` : undefined;
}

const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - ACME Single Sign-On</title></head>
<body>
<form method="post" action="/sso/login">
<h1>Your session has expired</h1>
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;

const BAD_GATEWAY = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

/** The response an answering fault sends (not for reset, truncate, hang). */
export function faultResponse(
  kind: FaultKind,
  deployment: "cloud" | "dc" | "sim",
  retryAfterSeconds: number,
): SimResponse {
  const rateLimited = (headers: Record<string, string>): SimResponse =>
    deployment === "dc"
      ? {
          status: 429,
          headers: { "content-type": "application/json;charset=UTF-8", ...headers },
          body: JSON.stringify({
            errors: [
              {
                context: null,
                message: "You have been rate limited. Try again later.",
                exceptionName: "com.atlassian.bitbucket.ratelimit.RateLimitedException",
              },
            ],
          }),
        }
      : {
          status: 429,
          headers: { "content-type": "text/plain; charset=utf-8", ...headers },
          body: "Rate limit for this resource has been exceeded",
        };
  switch (kind) {
    case "429":
      return rateLimited({});
    case "429-retry-after-seconds":
      return rateLimited({ "retry-after": String(retryAfterSeconds) });
    case "429-retry-after-date": {
      // An HTTP-date has whole seconds: round up so the client never waits less than asked.
      const at = new Date(Math.ceil((Date.now() + retryAfterSeconds * 1000) / 1000) * 1000);
      return rateLimited({ "retry-after": at.toUTCString() });
    }
    case "503":
      return deployment === "cloud"
        ? {
            status: 503,
            headers: { "content-type": "application/json; charset=utf-8" },
            body: JSON.stringify({ type: "error", error: { message: "Service Unavailable" } }),
          }
        : {
            status: 503,
            headers: { "content-type": "text/html; charset=utf-8" },
            body: "<h1>Service Unavailable</h1>",
          };
    case "502":
      return { status: 502, headers: { "content-type": "text/html" }, body: BAD_GATEWAY };
    case "555":
      return { status: 555, headers: { "content-type": "text/plain" }, body: "Unknown upstream error" };
    case "html-200":
      return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: LOGIN_PAGE };
    case "404-gone":
      // What a repository deleted (or renamed) between listing and reading answers.
      return deployment === "dc"
        ? {
            status: 404,
            headers: { "content-type": "application/json;charset=UTF-8" },
            body: JSON.stringify({
              errors: [
                {
                  context: null,
                  message: "Repository does not exist.",
                  exceptionName: "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
                },
              ],
            }),
          }
        : {
            status: 404,
            headers: { "content-type": "application/json; charset=utf-8" },
            body: JSON.stringify({ type: "error", error: { message: "Repository not found" } }),
          };
    default:
      throw new Error(`fault ${kind} has no canned response`);
  }
}

/** A canned answer, with the spec's verbatim Retry-After when it has one. */
export function cannedResponse(spec: FaultSpec, deployment: "cloud" | "dc" | "sim"): SimResponse {
  const r = faultResponse(spec.kind, deployment, spec.retryAfterSeconds ?? 1);
  if (spec.retryAfter === undefined) return r;
  return { ...r, headers: { ...r.headers, "retry-after": spec.retryAfter } };
}
