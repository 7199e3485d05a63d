import { intParam, jsonResponse, type RequestContext, type SimResponse } from "../http-types.js";

// Data Center response envelopes and start/limit paging, shared by the synthetic and the
// git-backed repositories.

export type Json = Record<string, unknown>;

export const DC_CONTENT_TYPE = "application/json;charset=UTF-8";
export const EX = "com.atlassian.bitbucket";

export const errors = (status: number, message: string, exceptionName: string | null): SimResponse =>
  jsonResponse(status, { errors: [{ context: null, message, exceptionName }] }, DC_CONTENT_TYPE);

export const ok = (body: unknown): SimResponse => jsonResponse(200, body, DC_CONTENT_TYPE);

export const notFound = () => errors(404, "Not Found", null);

export const noSuchCommit = (ref: string, repoSlug: string) =>
  errors(
    404,
    `Commit '${ref}' does not exist in repository '${repoSlug}'.`,
    `${EX}.commit.NoSuchCommitException`,
  );

export const noSuchBranch = (displayId: string) =>
  errors(
    404,
    `refs/heads/${displayId} is set as the default branch, but this branch does not exist`,
    `${EX}.repository.NoSuchBranchException`,
  );

/** `start` and the effective `limit` (default 25, capped at the server's maximum). */
export function paging(ctx: RequestContext, maxLimit: number): { start: number; limit: number } {
  const start = intParam(ctx.query, "start", 0);
  const limit = intParam(ctx.query, "limit", 25);
  return {
    start: Number.isFinite(start) ? start : 0,
    limit: Math.min(maxLimit, Number.isFinite(limit) && limit > 0 ? limit : 25),
  };
}

/**
 * A page over an offset space that includes items the caller may not see: they use up offsets
 * but are left out of `values`, so `size` can be below `limit` (even 0) on a page that is not last.
 */
export function page<T>(
  ctx: RequestContext,
  maxLimit: number,
  all: readonly T[],
  visible: (t: T) => boolean,
  render: (t: T) => Json,
): SimResponse {
  const { start, limit } = paging(ctx, maxLimit);
  const values = all
    .slice(start, start + limit)
    .filter(visible)
    .map(render);
  const isLastPage = start + limit >= all.length;
  const body: Json = { size: values.length, limit, isLastPage, values, start };
  if (!isLastPage) body.nextPageStart = start + limit;
  return ok(body);
}
