import { endlessBody, hugePage, manyValues } from "./big-bodies.js";
import type { RequestContext, SimResponse } from "./http-types.js";
import { corruptValue, deepNesting, endlessPages } from "./page-tampering.js";
import { echoError, echoInPage } from "./request-echo.js";
import { slowBody, slowHeaders } from "./slow-answers.js";
import type { FaultKind, FaultSpec } from "./types.js";

// The hostile-server faults: unlike the canned ones they may answer slowly, stream, or alter the
// API's own answer, so they get what the request was and a way to ask the API.

export interface HostileRequest {
  deployment: "cloud" | "dc" | "sim";
  ctx: RequestContext;
  /** The request line and headers as received. */
  head: string;
  /** Aborts when the connection closes: streams and waits stop with it. */
  signal: AbortSignal;
  /** The API's own answer (authentication included) to this or an altered request. */
  answer: (ctx: RequestContext) => SimResponse;
}

const HOSTILE_KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  "slow-headers",
  "slow-body",
  "endless-body",
  "huge-page",
  "many-values",
  "endless-pages",
  "deep-nesting",
  "corrupt-value",
  "echo-error",
  "echo-200",
]);

export const isHostileFault = (kind: FaultKind): boolean => HOSTILE_KINDS.has(kind);

export async function hostileResponse(spec: FaultSpec, r: HostileRequest): Promise<SimResponse> {
  const { deployment, ctx, signal } = r;
  const real = () => r.answer(ctx);
  switch (spec.kind) {
    case "slow-headers":
      return slowHeaders(spec, signal, real);
    case "slow-body":
      return slowBody(real(), spec, signal);
    case "endless-body":
      return endlessBody(deployment, ctx, spec, signal);
    case "huge-page":
      return hugePage(deployment, ctx, spec, signal);
    case "many-values":
      return manyValues(deployment, ctx, spec, signal);
    case "endless-pages":
      return endlessPages(deployment, ctx, r.answer);
    case "deep-nesting":
      return deepNesting(real(), spec);
    case "corrupt-value":
      return corruptValue(real(), spec);
    case "echo-error":
      return echoError(deployment, spec, r.head);
    case "echo-200":
      return echoInPage(real(), spec, r.head);
    default:
      throw new Error(`fault ${spec.kind} is not a hostile fault`);
  }
}
