import { CommitIdCodec, NS_CLOUD_BASE, NS_CLOUD_MERGE, NS_CLOUD_PR_COMMIT } from "../commit-ids.js";
import { hash32, pickBy } from "../hash.js";
import { escapeHtml } from "../html.js";
import { commitMessage, featureBranchName, type Person, pullRequestTitle } from "../names.js";
import { formatMicros, formatSeconds } from "../time-format.js";
import type { BranchCommit } from "./branches.js";
import { type CloudPullRequest, type CloudRepository, type CloudWorld, mainBranchOf } from "./model.js";

// JSON shapes of Bitbucket Cloud objects, modelled on recorded responses (repository page,
// pull-request page, PR commits page). Links point at the simulator's own origin.

type Json = Record<string, unknown>;

const href = (h: string) => ({ href: h });

export class CloudRenderer {
  readonly codec: CommitIdCodec;
  // User and repository sub-objects repeat on every commit of a page: build each once per origin.
  // They are shared between responses, so nothing may mutate rendered objects (fields= copies).
  private readonly cache = new Map<string, Json>();

  private cached(key: string, build: () => Json): Json {
    let v = this.cache.get(key);
    if (!v) {
      if (this.cache.size > 50_000) this.cache.clear();
      v = build();
      this.cache.set(key, v);
    }
    return v;
  }

  constructor(private readonly world: CloudWorld) {
    this.codec = new CommitIdCodec(world.seed ^ 0x0c10);
  }

  commitHash(repo: CloudRepository, pr: CloudPullRequest, index: number): string {
    return this.codec.encode(NS_CLOUD_PR_COMMIT, repo.no, pr.id, index);
  }

  /** The destination-branch commit the pull request's first commit builds on. */
  baseHash(repo: CloudRepository, pr: CloudPullRequest): string {
    return this.codec.encode(NS_CLOUD_BASE, repo.no, pr.id, 0);
  }

  headHash(repo: CloudRepository, pr: CloudPullRequest): string {
    return pr.commits > 0 ? this.commitHash(repo, pr, pr.commits - 1) : this.baseHash(repo, pr);
  }

  user(origin: string, p: Person): Json {
    return this.cached(`u\0${origin}\0${p.uuid}`, () => this.buildUser(origin, p));
  }

  private buildUser(origin: string, p: Person): Json {
    const enc = encodeURIComponent(p.uuid);
    const initials = p.displayName
      .split(" ")
      .map((w) => w.slice(0, 1))
      .join("")
      .toUpperCase();
    return {
      display_name: p.displayName,
      links: {
        self: href(`${origin}/2.0/users/${enc}`),
        avatar: href(
          `https://secure.gravatar.com/avatar/${p.avatarHash}?d=https%3A%2F%2Favatar-management--avatars.us-west-2.prod.public.atl-paas.net%2Finitials%2F${encodeURIComponent(initials)}-3.png`,
        ),
        html: href(`${origin}/${enc}/`),
      },
      type: "user",
      uuid: p.uuid,
      account_id: p.accountId,
      nickname: p.nickname,
    };
  }

  private person(index: number): Person {
    const p = this.world.people.mapped[index % this.world.people.mapped.length];
    if (!p) throw new Error("no people");
    return p;
  }

  private repoLinks(origin: string, fullName: string, uuid: string): Json {
    return {
      self: href(`${origin}/2.0/repositories/${fullName}`),
      html: href(`${origin}/${fullName}`),
      avatar: href(`https://bytebucket.org/ravatar/${encodeURIComponent(uuid)}?ts=default`),
    };
  }

  /** The short repository object embedded in commits and pull requests. */
  repositoryRef(
    origin: string,
    repo: CloudRepository,
    fullName = `${repo.workspace.slug}/${repo.slug}`,
  ): Json {
    return this.cached(`r\0${origin}\0${repo.no}\0${fullName}`, () => ({
      type: "repository",
      full_name: fullName,
      links: this.repoLinks(origin, fullName, repo.uuid),
      name: repo.name,
      uuid: repo.uuid,
    }));
  }

  repository(origin: string, repo: CloudRepository): Json {
    const ws = repo.workspace;
    const full = `${ws.slug}/${repo.slug}`;
    const api = `${origin}/2.0/repositories/${full}`;
    const wsLinks = {
      avatar: href(`${origin}/workspaces/${ws.slug}/avatar/?ts=1700000000`),
      html: href(`${origin}/${ws.slug}/`),
      self: href(`${origin}/2.0/workspaces/${ws.slug}`),
    };
    return {
      type: "repository",
      full_name: full,
      links: {
        self: href(api),
        html: href(`${origin}/${full}`),
        avatar: href(`https://bytebucket.org/ravatar/${encodeURIComponent(repo.uuid)}?ts=default`),
        pullrequests: href(`${api}/pullrequests`),
        commits: href(`${api}/commits`),
        forks: href(`${api}/forks`),
        watchers: href(`${api}/watchers`),
        branches: href(`${api}/refs/branches`),
        tags: href(`${api}/refs/tags`),
        downloads: href(`${api}/downloads`),
        source: href(`${api}/src`),
        clone: [
          { name: "https", href: `${origin}/${full}.git` },
          { name: "ssh", href: `git@bitbucket.org:${full}.git` },
        ],
        hooks: href(`${api}/hooks`),
      },
      name: repo.name,
      slug: repo.slug,
      description: repo.description,
      scm: "git",
      website: null,
      owner: { display_name: ws.name, links: wsLinks, type: "team", uuid: ws.uuid, username: ws.slug },
      workspace: { type: "workspace", uuid: ws.uuid, name: ws.name, slug: ws.slug, links: wsLinks },
      is_private: true,
      project: {
        type: "project",
        key: ws.projectKey,
        uuid: ws.projectUuid,
        name: `${ws.name} projects`,
        links: {
          self: href(`${origin}/2.0/workspaces/${ws.slug}/projects/${ws.projectKey}`),
          html: href(`${origin}/${ws.slug}/workspace/projects/${ws.projectKey}`),
          avatar: href(`${origin}/${ws.slug}/workspace/projects/${ws.projectKey}/avatar/32`),
        },
      },
      fork_policy: "no_public_forks",
      created_on: formatMicros(repo.createdOn),
      updated_on: formatMicros(repo.updatedOn),
      size: repo.sizeBytes,
      language: repo.language,
      uuid: repo.uuid,
      // null until the first push, as Bitbucket answers for an empty repository.
      mainbranch: mainBranchOf(repo) === null ? null : { name: mainBranchOf(repo), type: "branch" },
      override_settings: { default_merge_strategy: true, branching_model: true },
      parent: null,
      enforced_signed_commits: null,
      has_issues: false,
      has_wiki: false,
    };
  }

  private commitRef(origin: string, full: string, hash: string): Json {
    return {
      hash,
      links: {
        self: href(`${origin}/2.0/repositories/${full}/commit/${hash}`),
        html: href(`${origin}/${full}/commits/${hash}`),
      },
      type: "commit",
    };
  }

  pullRequest(origin: string, repo: CloudRepository, pr: CloudPullRequest): Json {
    const full = `${repo.workspace.slug}/${repo.slug}`;
    const api = `${origin}/2.0/repositories/${full}/pullrequests/${pr.id}`;
    const h = hash32(this.world.seed, 0x9e11, repo.no, pr.id);
    const author = this.person(pr.author);
    const head = this.headHash(repo, pr).slice(0, 12);
    const base = this.baseHash(repo, pr).slice(0, 12);
    // A pull request whose commits answer 404 came from a fork that has since been deleted.
    const sourceFull = pr.commitsStatus === 404 ? `${author.nickname}/${repo.slug}` : full;
    const description =
      h % 3 === 0 ? "" : `${pullRequestTitle(h)}.\n\n* ${commitMessage(hash32(h, 9)).split("\n")[0]}`;
    const closed = pr.state === "MERGED" || pr.state === "DECLINED";
    const diffSpec = `${sourceFull}:${head}%0D${base}?from_pullrequest_id=${pr.id}&topic=true`;
    return {
      comment_count: h % 7,
      task_count: (h >>> 3) % 3,
      type: "pullrequest",
      id: pr.id,
      title: pullRequestTitle(h),
      description,
      state: pr.state,
      draft: pr.draft,
      merge_commit:
        pr.state === "MERGED"
          ? this.commitRef(origin, full, this.codec.encode(NS_CLOUD_MERGE, repo.no, pr.id, 0).slice(0, 12))
          : null,
      close_source_branch: h % 2 === 0,
      closed_by: closed ? this.user(origin, this.person(pr.author + (h % 3))) : null,
      author: this.user(origin, author),
      reason: pr.state === "DECLINED" && h % 2 === 0 ? "Superseded by a different approach." : "",
      created_on: formatMicros(pr.createdOn),
      updated_on: formatMicros(pr.updatedOn),
      destination: {
        branch: { name: repo.mainbranch ?? "main" },
        commit: this.commitRef(origin, full, base),
        repository: this.repositoryRef(origin, repo),
      },
      source: {
        branch: { name: featureBranchName(h, pr.id), links: {} },
        commit: this.commitRef(origin, sourceFull, head),
        repository: this.repositoryRef(origin, repo, sourceFull),
      },
      links: {
        self: href(api),
        html: href(`${origin}/${full}/pull-requests/${pr.id}`),
        commits: href(`${api}/commits`),
        approve: href(`${api}/approve`),
        "request-changes": href(`${api}/request-changes`),
        diff: href(`${origin}/2.0/repositories/${full}/diff/${diffSpec}`),
        diffstat: href(`${origin}/2.0/repositories/${full}/diffstat/${diffSpec}`),
        comments: href(`${api}/comments`),
        activity: href(`${api}/activity`),
        merge: href(`${api}/merge`),
        decline: href(`${api}/decline`),
        statuses: href(`${api}/statuses`),
      },
      summary: {
        type: "rendered",
        raw: description,
        markup: "markdown",
        html: description === "" ? "" : `<p>${escapeHtml(description)}</p>`,
      },
    };
  }

  /** Commit date in epoch ms (whole seconds). */
  commitDateMs(pr: CloudPullRequest, index: number): number {
    if (index >= pr.seededCommits) {
      let batch = pr.batches[0];
      for (const b of pr.batches) if (b.from <= index) batch = b;
      if (batch) return batch.startMs + (index - batch.from + 1) * 1000;
    }
    const from = Math.floor(pr.createdOn / 1000) - 2 * 86_400_000;
    const to = Math.floor(pr.updatedOn / 1000);
    const at = from + ((index + 1) / (pr.seededCommits + 1)) * (to - from);
    return Math.floor(at / 1000) * 1000;
  }

  commit(origin: string, repo: CloudRepository, pr: CloudPullRequest, index: number): Json {
    const seed = this.world.seed;
    const full = `${repo.workspace.slug}/${repo.slug}`;
    const hash = this.commitHash(repo, pr, index);
    const parent = index > 0 ? this.commitHash(repo, pr, index - 1) : this.baseHash(repo, pr);
    const h = hash32(seed, 0xa07, repo.no, pr.id, index);
    const message = `${commitMessage(hash32(seed, 0x3e55, repo.no, pr.id, index))}\n`;
    const api = `${origin}/2.0/repositories/${full}`;
    let author: Json;
    if (h % 4 === 0) {
      // About one commit in four comes from an e-mail address no account is linked to.
      const p = pickBy(this.world.people.unmapped, h >>> 2);
      author = { type: "author", raw: `${p.name} <${p.email}>` };
    } else {
      const p = h % 10 < 7 ? this.person(pr.author) : this.person(h >>> 4);
      author = { type: "author", raw: `${p.displayName} <${p.email}>`, user: this.user(origin, p) };
    }
    const html = `<p>${escapeHtml(message.trimEnd())}</p>`;
    return {
      type: "commit",
      hash,
      date: formatSeconds(this.commitDateMs(pr, index)),
      author,
      message,
      summary: { type: "rendered", raw: message, markup: "markdown", html },
      links: {
        self: href(`${api}/commit/${hash}`),
        html: href(`${origin}/${full}/commits/${hash}`),
        diff: href(`${api}/diff/${hash}`),
        approve: href(`${api}/commit/${hash}/approve`),
        comments: href(`${api}/commit/${hash}/comments`),
        statuses: href(`${api}/commit/${hash}/statuses`),
        patch: href(`${api}/patch/${hash}`),
      },
      parents: [this.commitRef(origin, full, parent)],
      repository: this.repositoryRef(origin, repo),
    };
  }

  /** A commit of a branch listing (`GET …/commits/{revision}`, `GET …/commit/{hash}`). */
  branchCommit(origin: string, repo: CloudRepository, c: BranchCommit): Json {
    const seed = this.world.seed;
    const full = `${repo.workspace.slug}/${repo.slug}`;
    const h = hash32(seed, 0xb4c, repo.no, c.serial);
    const merge = c.parents.length > 1;
    const message = merge
      ? `Merged in ${featureBranchName(h, c.serial)} (pull request #${c.serial})\n`
      : `${commitMessage(hash32(seed, 0xb4d, repo.no, c.serial))}\n`;
    const api = `${origin}/2.0/repositories/${full}`;
    let author: Json;
    if (h % 4 === 0) {
      // As for pull-request commits: about one in four has no linked account (no `user`).
      const p = pickBy(this.world.people.unmapped, h >>> 2);
      author = { type: "author", raw: `${p.name} <${p.email}>` };
    } else {
      const p = this.person(h >>> 4);
      author = { type: "author", raw: `${p.displayName} <${p.email}>`, user: this.user(origin, p) };
    }
    const html = `<p>${escapeHtml(message.trimEnd())}</p>`;
    return {
      type: "commit",
      hash: c.hash,
      date: formatSeconds(c.dateMs),
      author,
      message,
      summary: { type: "rendered", raw: message, markup: "markdown", html },
      links: {
        self: href(`${api}/commit/${c.hash}`),
        html: href(`${origin}/${full}/commits/${c.hash}`),
        diff: href(`${api}/diff/${c.hash}`),
        approve: href(`${api}/commit/${c.hash}/approve`),
        comments: href(`${api}/commit/${c.hash}/comments`),
        statuses: href(`${api}/commit/${c.hash}/statuses`),
        patch: href(`${api}/patch/${c.hash}`),
      },
      parents: c.parents.map((p) => this.commitRef(origin, full, p)),
      repository: this.repositoryRef(origin, repo),
    };
  }

  /** `GET …/refs/branches/{name}`, in the recorded shape. */
  branch(origin: string, repo: CloudRepository, name: string, head: BranchCommit): Json {
    const full = `${repo.workspace.slug}/${repo.slug}`;
    const enc = encodeURIComponent(name);
    return {
      name,
      target: this.branchCommit(origin, repo, head),
      links: {
        self: href(`${origin}/2.0/repositories/${full}/refs/branches/${enc}`),
        commits: href(`${origin}/2.0/repositories/${full}/commits/${enc}`),
        html: href(`${origin}/${full}/branch/${enc}`),
      },
      type: "branch",
      merge_strategies: ["merge_commit", "squash", "fast_forward"],
      default_merge_strategy: "merge_commit",
    };
  }
}
