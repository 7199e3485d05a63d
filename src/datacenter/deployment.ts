import { ConnectorError } from "../errors.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import type { DeploymentDefinition } from "../streams/definition.js";
import { isRepositoryGone, projectKeys, repoPath, repositoriesOf } from "./api.js";
import type { DcRepository, DcSettings } from "./settings.js";

const PROJECTS_TO_PROBE = 10;
const REPOS_TO_PROBE = 10;

/** Bitbucket Data Center (Server): every repository of an instance, or of configured projects. */
export const DATA_CENTER: DeploymentDefinition<"data_center"> = {
  key: "data_center",
  title: "Bitbucket Data Center",
  server: (s) => ({ baseUrl: `${s.url}/rest/api/1.0`, auth: s.auth, ca: s.caCertificate }),

  async *repositories(client, s) {
    if (s.repositories) {
      yield* s.repositories;
      return;
    }
    const keys = s.projects ? [s.projects] : projectKeys(client);
    for await (const page of keys) {
      for (const project of page) {
        for await (const repos of repositoriesOf(client, project)) yield* repos;
      }
    }
  },

  repositoryKey: (r) => `${r.project}/${r.slug}`,

  /** 404 NoSuchRepositoryException; a configured one stays an error. */
  repositoryGone: (s) => ({
    when: "a listed repository answers 404 NoSuchRepositoryException (deleted or renamed since the listing)",
    test: (err) => s.repositories === undefined && isRepositoryGone(err),
    means: "gone",
  }),

  async sample(client, s) {
    let repos: DcRepository[];
    try {
      repos = await candidates(client, s);
    } catch (err) {
      throw DATA_CENTER.explain(err, "list projects and repositories", "", s);
    }
    if (repos.length === 0) {
      throw new ConnectorError(
        "no_resources",
        `no repository is visible to these credentials on ${s.url}${s.projects ? ` in projects ${s.projects.join(", ")}` : ""}. Grant the user or token read access (PROJECT_READ or REPO_READ), or check the projects setting.`,
      );
    }
    return repos;
  },

  explain(err, action, _scope, s) {
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
        `Bitbucket Data Center at ${s.url} rejected the credentials (401) when trying to ${action}. Check the username and password or personal access token, or the HTTP access token (not expired or revoked).${said}`,
        { internal: err.message },
      );
    }
    if (err.status === 404) {
      return new ConnectorError(
        "not_found",
        `could not ${action}: ${s.url}/rest/api/1.0 answered 404. Check that the URL is the server's base URL, context path included (e.g. https://example.com/bitbucket).${said}`,
        { internal: err.message },
      );
    }
    return err;
  },
};

async function candidates(client: Requester, s: DcSettings): Promise<DcRepository[]> {
  if (s.repositories) {
    const repos = s.repositories.slice(0, REPOS_TO_PROBE);
    for (const r of repos) {
      try {
        await client.get(repoPath(r));
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) {
          throw new ConnectorError(
            "not_found",
            `repository ${r.project}/${r.slug} (from data_center.repositories) does not exist: ${err.detail.message ?? "not found"}`,
            { internal: err.message },
          );
        }
        throw err;
      }
    }
    return repos;
  }
  let keys: string[];
  if (s.projects) keys = s.projects.slice(0, PROJECTS_TO_PROBE);
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
      if (s.projects && err instanceof HttpError && err.status === 404) {
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
