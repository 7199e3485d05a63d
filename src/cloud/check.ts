import type { ResolvedConfig } from "../config/load.js";
import { ConnectorError } from "../errors.js";
import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { pullRequestCommitPages, pullRequestPages, repositorySlugs } from "./api.js";

type CloudConfig = NonNullable<ResolvedConfig["cloud"]>;

/** How many repositories / pull requests check looks at before concluding there is nothing to read. */
const REPOS_TO_PROBE = 10;
const PULL_REQUESTS_TO_PROBE = 3;

/**
 * Validates Bitbucket Cloud access the way a read will use it: the workspace's repositories can
 * be listed, and the commits of a pull request can be read. Throws a ConnectorError whose message
 * says what to do.
 */
export async function checkCloud(client: HttpClient, config: CloudConfig): Promise<void> {
  const ws = config.workspace;
  let slugs: string[];
  try {
    slugs = config.repositories
      ? config.repositories.slice(0, REPOS_TO_PROBE)
      : await firstRepositories(client, ws);
  } catch (err) {
    throw explain(
      err,
      `list the repositories of workspace "${ws}"`,
      "repository:read (read:repository:bitbucket)",
    );
  }
  if (slugs.length === 0) {
    throw new ConnectorError(
      "no_resources",
      `workspace "${ws}" has no repository these credentials can see. Check the workspace ID, and that the token's workspace, project or repository grants access to repositories.`,
    );
  }

  for (const slug of slugs) {
    let prs: { id: number }[];
    try {
      const pages = pullRequestPages(client, ws, slug, {
        states: config.pullRequestStates,
        pagelen: PULL_REQUESTS_TO_PROBE,
      });
      prs = (await pages.next()).value ?? [];
      await pages.return(undefined);
    } catch (err) {
      if (config.repositories && err instanceof HttpError && err.status === 404) {
        throw new ConnectorError(
          "not_found",
          `repository "${ws}/${slug}" (from cloud.repositories) does not exist or is not visible to these credentials.`,
          { internal: err.message },
        );
      }
      throw explain(
        err,
        `list the pull requests of ${ws}/${slug}`,
        "pullrequest:read (read:pullrequest:bitbucket)",
      );
    }
    for (const pr of prs) {
      try {
        const pages = pullRequestCommitPages(client, ws, slug, pr.id, 1);
        await pages.next();
        await pages.return(undefined);
        return; // commits of a pull request are readable: everything the stream needs works
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) continue; // that pull request's commits are gone; try another
        throw explain(
          err,
          `read the commits of pull request #${pr.id} in ${ws}/${slug}`,
          "pullrequest:read (read:pullrequest:bitbucket)",
        );
      }
    }
  }
  throw new ConnectorError(
    "no_resources",
    `no pull-request commits are reachable: ${slugs.length === 1 ? `the repository ${ws}/${slugs[0]} has` : `the first ${slugs.length} repositories of "${ws}" have`} no pull request in the states ${config.pullRequestStates.join(", ")} with readable commits. Check pull_request_states and the repositories list.`,
  );
}

async function firstRepositories(client: HttpClient, ws: string): Promise<string[]> {
  const pages = repositorySlugs(client, ws, REPOS_TO_PROBE);
  const first = await pages.next();
  await pages.return(undefined);
  return first.value ?? [];
}

/** Turns an HTTP failure during check into advice. */
function explain(err: unknown, action: string, scope: string): unknown {
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
      return new ConnectorError(
        "not_found",
        `could not ${action}: not found (404). Check the workspace ID (the slug in bitbucket.org/<workspace>) and, if you set cloud.api_url, that it is the API's base URL (https://api.bitbucket.org/2.0).${said}`,
        {
          internal: err.message,
        },
      );
    default:
      return err;
  }
}
