import type { ResolvedConfig } from "../config/load.js";
import { ConnectorError } from "../errors.js";
import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import {
  commitPage,
  type DcRepository,
  isNoSuchCommit,
  projectKeys,
  repoPath,
  repositoriesOf,
} from "./api.js";

type DcConfig = NonNullable<ResolvedConfig["dataCenter"]>;

const PROJECTS_TO_PROBE = 10;
const REPOS_TO_PROBE = 10;

/**
 * Validates Bitbucket Data Center access the way a read will use it: repositories can be listed
 * and a repository's commits can be read. Throws a ConnectorError whose message says what to do.
 */
export async function checkDataCenter(client: HttpClient, config: DcConfig): Promise<void> {
  let repos: DcRepository[];
  try {
    repos = await candidateRepositories(client, config);
  } catch (err) {
    throw explain(err, "list projects and repositories", config.url);
  }
  if (repos.length === 0) {
    throw new ConnectorError(
      "no_resources",
      `no repository is visible to these credentials on ${config.url}${config.projects ? ` in projects ${config.projects.join(", ")}` : ""}. Grant the user or token read access (PROJECT_READ or REPO_READ), or check the projects setting.`,
    );
  }
  for (const repo of repos) {
    try {
      const page = await commitPage(client, repo, { start: 0, limit: 1 });
      if (page.values.length > 0) return;
    } catch (err) {
      if (isNoSuchCommit(err)) continue; // empty repository or missing default branch: try another
      throw explain(err, `read the commits of ${repo.project}/${repo.slug}`, config.url);
    }
  }
  throw new ConnectorError(
    "no_resources",
    `the ${repos.length} repositories checked (${repos.map((r) => `${r.project}/${r.slug}`).join(", ")}) have no commits to read.`,
  );
}

async function candidateRepositories(client: HttpClient, config: DcConfig): Promise<DcRepository[]> {
  if (config.repositories) {
    const repos = config.repositories.slice(0, REPOS_TO_PROBE);
    for (const r of repos) {
      try {
        await client.get(repoPath(r));
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) {
          throw new ConnectorError(
            "not_found",
            `repository ${r.project}/${r.slug} (from data_center.repositories) does not exist: ${err.detail.message ?? "not found"}`,
            {
              internal: err.message,
            },
          );
        }
        throw err;
      }
    }
    return repos;
  }
  let keys: string[];
  if (config.projects) keys = config.projects.slice(0, PROJECTS_TO_PROBE);
  else {
    const pages = projectKeys(client, PROJECTS_TO_PROBE);
    keys = (await pages.next()).value ?? [];
    await pages.return(undefined);
  }
  const repos: DcRepository[] = [];
  for (const key of keys) {
    try {
      const pages = repositoriesOf(client, key, REPOS_TO_PROBE);
      repos.push(...((await pages.next()).value ?? []));
      await pages.return(undefined);
    } catch (err) {
      if (config.projects && err instanceof HttpError && err.status === 404) {
        throw new ConnectorError(
          "not_found",
          `project ${key} (from data_center.projects) does not exist: ${err.detail.message ?? "not found"}`,
          { internal: err.message },
        );
      }
      throw err;
    }
    if (repos.length >= REPOS_TO_PROBE) break;
  }
  return repos.slice(0, REPOS_TO_PROBE);
}

function explain(err: unknown, action: string, url: string): unknown {
  if (!(err instanceof HttpError)) return err;
  const said = err.detail.message ? ` Bitbucket said: ${err.detail.message}` : "";
  if (err.code === "invalid_permissions") {
    return new ConnectorError(
      "invalid_permissions",
      `the credentials authenticate but may not ${action} (${err.status}${err.exception ? ` ${err.exception}` : ""}). Grant the user or token read access (PROJECT_READ or REPO_READ) to the projects to read.${said}`,
      { internal: err.message },
    );
  }
  if (err.code === "invalid_credentials") {
    return new ConnectorError(
      "invalid_credentials",
      `Bitbucket Data Center at ${url} rejected the credentials (401) when trying to ${action}. Check the username and password or personal access token, or the HTTP access token (not expired or revoked).${said}`,
      { internal: err.message },
    );
  }
  if (err.status === 404) {
    return new ConnectorError(
      "not_found",
      `could not ${action}: ${url}/rest/api/1.0 answered 404. Check that the URL is the server's base URL, context path included (e.g. https://example.com/bitbucket).${said}`,
      { internal: err.message },
    );
  }
  return err;
}
