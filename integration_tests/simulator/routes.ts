import type { RouteName } from "./types.js";

// Route classification by path alone, so that stats and faults see a route before auth or data.

export interface RouteMatch {
  route: RouteName;
  /** Decoded path parameters: workspace, slug, id, revision, name (Cloud); key, slug, id (DC). */
  params: Record<string, string>;
}

function segments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function cloudRoute(parts: string[]): RouteMatch {
  // parts[0] === "2.0"
  const [, first, workspace, slug, sub, id, leaf, ...rest] = parts;
  if (first === "workspaces") return { route: "cloud.workspaces", params: {} };
  if (first === "user" && parts.length === 2) return { route: "cloud.user", params: {} };
  if (first !== "repositories" || workspace === undefined || rest.length > 0) {
    return { route: "cloud.other", params: {} };
  }
  if (slug === undefined) return { route: "cloud.repositories", params: { workspace } };
  if (sub === undefined) return { route: "cloud.repository", params: { workspace, slug } };
  if (sub === "commits" && leaf === undefined) {
    // …/commits (every branch and tag) and …/commits/{revision} (`git log revision`)
    return {
      route: "cloud.commits",
      params: { workspace, slug, ...(id === undefined ? {} : { revision: id }) },
    };
  }
  if (sub === "commit" && id !== undefined && leaf === undefined)
    return { route: "cloud.commit", params: { workspace, slug, id } };
  // …/refs/branches/{name}: a name with a slash must come encoded (%2F), as Bitbucket wants it
  if (sub === "refs" && id === "branches" && leaf !== undefined)
    return { route: "cloud.branch", params: { workspace, slug, name: leaf } };
  if (sub !== "pullrequests") return { route: "cloud.other", params: {} };
  if (id === undefined) return { route: "cloud.pullrequests", params: { workspace, slug } };
  if (leaf === undefined) return { route: "cloud.pullrequest", params: { workspace, slug, id } };
  if (leaf === "commits") return { route: "cloud.pullrequest_commits", params: { workspace, slug, id } };
  return { route: "cloud.other", params: {} };
}

function dcRoute(parts: string[]): RouteMatch {
  // parts: rest/api/1.0/... (or "latest", which real servers accept as an alias)
  const [rest, api, version, first, key, reposWord, slug, sub, leaf, ...more] = parts;
  if (rest !== "rest" || api !== "api" || (version !== "1.0" && version !== "latest")) {
    return { route: "dc.other", params: {} };
  }
  if (first === "repos" && key === undefined) return { route: "dc.repos", params: {} };
  if (first !== "projects") return { route: "dc.other", params: {} };
  if (key === undefined) return { route: "dc.projects", params: {} };
  if (reposWord === undefined) return { route: "dc.project", params: { key } };
  if (reposWord !== "repos") return { route: "dc.other", params: {} };
  if (slug !== undefined && sub === "pull-requests") return pullRequestRoute(key, slug, leaf, more);
  if (more.length > 0) return { route: "dc.other", params: {} };
  if (slug === undefined) return { route: "dc.repos", params: { key } };
  if (sub === undefined) return { route: "dc.repo", params: { key, slug } };
  if (sub === "commits" && leaf === undefined) return { route: "dc.commits", params: { key, slug } };
  if (sub === "commits" && leaf !== undefined) return { route: "dc.commit", params: { key, slug, id: leaf } };
  if (sub === "default-branch" && leaf === undefined)
    return { route: "dc.default_branch", params: { key, slug } };
  if (sub === "branches" && leaf === "default")
    return { route: "dc.branches_default", params: { key, slug } };
  if (sub === "branches" && leaf === undefined) return { route: "dc.branches", params: { key, slug } };
  return { route: "dc.other", params: {} };
}

/** …/pull-requests, …/pull-requests/{id}, …/pull-requests/{id}/commits */
function pullRequestRoute(key: string, slug: string, id: string | undefined, more: string[]): RouteMatch {
  if (id === undefined) return { route: "dc.pullrequests", params: { key, slug } };
  if (more.length === 0) return { route: "dc.pullrequest", params: { key, slug, id } };
  if (more.length === 1 && more[0] === "commits")
    return { route: "dc.pullrequest_commits", params: { key, slug, id } };
  return { route: "dc.other", params: {} };
}

export function matchRoute(pathname: string, dcContextPath: string): RouteMatch {
  const parts = segments(pathname);
  if (parts[0] === "2.0") return cloudRoute(parts);
  const ctx = segments(dcContextPath);
  if (ctx.every((c, i) => parts[i] === c) && parts[ctx.length] === "rest") {
    return dcRoute(parts.slice(ctx.length));
  }
  if (ctx.length > 0 && ctx.every((c, i) => parts[i] === c)) return { route: "dc.other", params: {} };
  return { route: "sim.other", params: {} };
}
