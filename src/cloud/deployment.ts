import { ConnectorError } from "../errors.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { firstPage } from "../http/paginate.js";
import type { DeploymentDefinition } from "../streams/definition.js";
import { repoPath, repositoryPages } from "./api.js";
import { Repository } from "./payloads.js";
import type { CloudRepository, CloudSettings } from "./settings.js";

/** How many repositories check looks at before concluding there is nothing to read. */
const REPOS_TO_PROBE = 10;

/** Bitbucket Cloud: a workspace's repositories under api.bitbucket.org/2.0. */
export const CLOUD: DeploymentDefinition<"cloud"> = {
  key: "cloud",
  title: "Bitbucket Cloud",
  server: (s) => ({ baseUrl: s.apiUrl, auth: s.auth }),

  async *repositories(client, s) {
    const ws = s.workspace;
    // Configured repositories need no listing, unless change detection wants their updated_on:
    // then the workspace is listed once and they are picked from it (those not in it are still read).
    if (s.repositories && s.changeDetection === "every_repository") {
      for (const slug of s.repositories) yield { workspace: ws, slug };
      return;
    }
    const wanted = s.repositories ? new Set(s.repositories) : undefined;
    const pages = repositoryPages(client, ws)[Symbol.asyncIterator]();
    for (;;) {
      // Pages are fetched as the sync gets to them, maybe hours apart in a long first sync.
      const asked = Date.now();
      const next = await pages.next();
      if (next.done) break;
      const listedAt = client.serverTime(asked).earliest;
      for (const r of next.value) {
        if (wanted && !wanted.delete(r.slug)) continue;
        const mainBranch = r.mainbranch === undefined ? undefined : (r.mainbranch?.name ?? null);
        yield { workspace: ws, slug: r.slug, updatedOn: r.updated_on, mainBranch, listedAt };
      }
    }
    for (const slug of wanted ?? []) yield { workspace: ws, slug };
  },

  repositoryKey: (r) => `${r.workspace}/${r.slug}`,

  /** Its pull-request list, its main branch or its commits answer 404; a configured one stays an error. */
  repositoryGone: (s) => ({
    when: "a listed repository answers 404 (deleted or renamed since the listing)",
    test: (err) => s.repositories === undefined && err instanceof HttpError && err.status === 404,
    means: "gone",
  }),

  async sample(client, s) {
    const ws = s.workspace;
    let repos: CloudRepository[];
    try {
      repos = s.repositories
        ? await configured(client, s)
        : ((await firstPage(repositoryPages(client, ws, REPOS_TO_PROBE))) ?? []).map((r) => ({
            workspace: ws,
            slug: r.slug,
          }));
    } catch (err) {
      throw CLOUD.explain(
        err,
        `list the repositories of workspace "${ws}"`,
        "repository:read (read:repository:bitbucket)",
        s,
      );
    }
    if (repos.length === 0) {
      throw new ConnectorError(
        "no_resources",
        `workspace "${ws}" has no repository these credentials can see. Check the workspace ID, and that the token's workspace, project or repository grants access to repositories.`,
      );
    }
    return repos;
  },

  explain(err, action, scope) {
    if (!(err instanceof HttpError)) return err;
    const said = err.detail.message ? ` Bitbucket said: ${err.detail.message}` : "";
    switch (err.status) {
      case 401:
        return new ConnectorError(
          "invalid_credentials",
          `Bitbucket Cloud rejected the credentials (401) when trying to ${action}. For an access token, check that it is current and not revoked; for an API token, use it with your Atlassian account e-mail (app passwords no longer work).${said}`,
          { internal: err.message },
        );
      case 403:
        return new ConnectorError(
          "invalid_permissions",
          `the credentials may not ${action} (403). The token needs the scope ${scope}, and a workspace, project or repository access token works only within what it was created for.${said}`,
          { internal: err.message },
        );
      case 404:
      case 410:
        return new ConnectorError(
          "not_found",
          `could not ${action}: not found (${err.status}). Check the workspace ID (the slug in bitbucket.org/<workspace>) and, if you set cloud.api_url, that it is the API's base URL (https://api.bitbucket.org/2.0).${said}`,
          { internal: err.message },
        );
      default:
        return err;
    }
  },
};

/** The first configured repositories, each asked for: a missing one is named. */
async function configured(client: Requester, s: CloudSettings): Promise<CloudRepository[]> {
  const repos = (s.repositories ?? [])
    .slice(0, REPOS_TO_PROBE)
    .map((slug) => ({ workspace: s.workspace, slug }));
  for (const r of repos) {
    try {
      await client.json(repoPath(r), Repository, { fields: "slug,mainbranch.name" });
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        throw new ConnectorError(
          "not_found",
          `repository "${r.workspace}/${r.slug}" (from cloud.repositories) does not exist or is not visible to these credentials.`,
          { internal: err.message },
        );
      }
      throw err;
    }
  }
  return repos;
}
