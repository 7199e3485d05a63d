import { CommitIdCodec, NS_DC_COMMIT } from "../commit-ids.js";
import { hash32, pickBy } from "../hash.js";
import { commitMessage, type Person } from "../names.js";
import type { CommitRef } from "./history.js";
import { type DcProject, type DcRepository, type DcWorld, generationTimestamp } from "./model.js";

// JSON shapes of Bitbucket Data Center objects, modelled on recorded responses: commits (mapped
// authors are full user objects, unmapped ones only name + emailAddress), repositories, projects,
// and the two default-branch shapes.

type Json = Record<string, unknown>;

export class DcRenderer {
  readonly codec: CommitIdCodec;

  constructor(private readonly world: DcWorld) {
    this.codec = new CommitIdCodec(world.seed ^ 0x0dc0);
  }

  commitId(repo: DcRepository, c: CommitRef): string {
    return this.codec.encode(NS_DC_COMMIT, repo.no, c.gen, c.idx);
  }

  committerTimestamp(repo: DcRepository, c: CommitRef): number {
    const g = repo.generations[c.gen];
    if (!g) throw new Error(`generation ${c.gen} missing in ${repo.slug}`);
    return generationTimestamp(this.world.seed, repo.no, g, c.gen, c.idx);
  }

  /** A Bitbucket user object (what a commit author with an account is rendered as). */
  user(base: string, p: Person): Json {
    return {
      name: p.nickname,
      emailAddress: p.email,
      active: true,
      displayName: p.displayName,
      id: p.dcId,
      slug: p.nickname,
      type: "NORMAL",
      links: { self: [{ href: `${base}/users/${p.nickname}` }] },
    };
  }

  private mapped(i: number): Person {
    const p = this.world.people.mapped[i % this.world.people.mapped.length];
    if (!p) throw new Error("no people");
    return p;
  }

  commit(base: string, repo: DcRepository, c: CommitRef, parent: CommitRef | undefined): Json {
    const seed = this.world.seed;
    const id = this.commitId(repo, c);
    const h = hash32(seed, 0xdc0, repo.no, c.gen, c.idx);
    const committerTimestamp = this.committerTimestamp(repo, c);
    let author: Json;
    let committer: Json;
    if (h % 3 === 0) {
      // About one author in three has an e-mail address no Bitbucket user owns.
      const p = pickBy(this.world.people.unmapped, h >>> 2);
      author = { name: p.name, emailAddress: p.email };
      committer = author;
    } else {
      const a = this.mapped(h >>> 3);
      author = this.user(base, a);
      committer = (h >>> 8) % 8 === 0 ? this.user(base, this.mapped((h >>> 11) + 1)) : author;
    }
    // Rebased or amended commits were authored before they were committed.
    const authorTimestamp =
      (h >>> 14) % 5 === 0 ? committerTimestamp - ((h >>> 17) % 86_400) * 1000 : committerTimestamp;
    const parentId = parent ? this.commitId(repo, parent) : undefined;
    return {
      id,
      displayId: id.slice(0, 11),
      author,
      authorTimestamp,
      committer,
      committerTimestamp,
      message: commitMessage(hash32(seed, 0x3e56, repo.no, c.gen, c.idx)),
      parents: parentId ? [{ id: parentId, displayId: parentId.slice(0, 11) }] : [],
    };
  }

  project(base: string, p: DcProject): Json {
    return {
      key: p.key,
      id: p.id,
      name: p.name,
      description: p.description,
      public: false,
      type: "NORMAL",
      links: { self: [{ href: `${base}/projects/${p.key}` }] },
    };
  }

  repository(base: string, repo: DcRepository): Json {
    const host = new URL(base).hostname;
    const lower = `${repo.project.key.toLowerCase()}/${repo.slug}`;
    const out: Json = {
      slug: repo.slug,
      id: repo.id,
      name: repo.name,
      hierarchyId: hash32(this.world.seed, 0x41e, repo.no).toString(16).padStart(8, "0").slice(0, 20),
      scmId: "git",
      state: "AVAILABLE",
      statusMessage: "Available",
      forkable: true,
      project: this.project(base, repo.project),
      public: false,
      archived: false,
      links: {
        clone: [
          { href: `ssh://git@${host}:7999/${lower}.git`, name: "ssh" },
          { href: `${base}/scm/${lower}.git`, name: "http" },
        ],
        self: [{ href: `${base}/projects/${repo.project.key}/repos/${repo.slug}/browse` }],
      },
    };
    if (repo.description !== undefined) out.description = repo.description;
    return out;
  }

  /** GET .../branches/default and .../branches entries (legacy shape). */
  branch(repo: DcRepository, displayId: string, head: CommitRef): Json {
    const latest = this.commitId(repo, head);
    return {
      id: `refs/heads/${displayId}`,
      displayId,
      type: "BRANCH",
      latestCommit: latest,
      latestChangeset: latest,
      isDefault: displayId === repo.defaultBranch,
    };
  }
}
