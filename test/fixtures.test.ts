/**
 * The payload schemas and the record schemas hold against real Bitbucket responses, recorded
 * by other projects (../shared/fixtures/bitbucket, see its SOURCE.md). Skipped where that
 * directory is absent (a user's clone).
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Commit as CloudCommit,
  RepositoryRef as CloudRepositoryRef,
  PullRequestRef,
} from "../src/cloud/payloads.js";
import { Branch, Commit as DcCommit, RepositoryRef as DcRepositoryRef } from "../src/datacenter/payloads.js";
import { parseErrorBody } from "../src/http/errors.js";
import { CloudEnvelope, DcEnvelope } from "../src/http/paginate.js";
import { sortableInstant } from "../src/streams/timestamps.js";
import { compileSchema, schemaErrors } from "./helpers/protocol.js";

const root = new URL("../../shared/fixtures/bitbucket/", import.meta.url);
const text = (p: string) => readFileSync(new URL(p, root), "utf8");
const json = (p: string) => JSON.parse(text(p)) as Record<string, unknown>;
const jsonl = (p: string) =>
  text(p)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** A whole page as the connector validates it: its envelope, and each item. */
const cloudPage = <T extends z.ZodType>(item: T) => CloudEnvelope.extend({ values: z.array(item) });
const dcPage = <T extends z.ZodType>(item: T) => DcEnvelope.extend({ values: z.array(item) });
const CloudCommitPage = cloudPage(CloudCommit);
const CloudRepositoryPage = cloudPage(CloudRepositoryRef);
const PullRequestPage = cloudPage(PullRequestRef);
const DcCommitPage = dcPage(DcCommit);
const DcRepositoryPage = dcPage(DcRepositoryRef);

const recordSchema = (stream: string) =>
  compileSchema(
    JSON.parse(readFileSync(new URL(`../schemas/${stream}.json`, import.meta.url), "utf8")) as object,
  );

describe.skipIf(!existsSync(root))("recorded Bitbucket Cloud responses", () => {
  const validate = recordSchema("cloud_pullrequest_commits");
  const asRecord = (c: Record<string, unknown>) => ({
    ...c,
    workspace: "w",
    repo_slug: "r",
    pull_request_id: 1,
    pull_request_updated_on: "2026-04-07T09:12:31.222021+00:00",
  });

  it("parses commit pages and every commit becomes a valid record", () => {
    for (const f of ["cloud/pr-commits.atlassian-python-api.json", "cloud/commits-page.jenkinsci.json"]) {
      const page = CloudCommitPage.parse(json(f));
      expect(page.values.length).toBeGreaterThan(0);
      for (const c of page.values)
        if (!validate(asRecord(c))) throw new Error(`${f}: ${schemaErrors(validate)}`);
    }
  });

  it("accepts commits whose author maps to no account (no author.user)", () => {
    const commits = jsonl("cloud/pr-commits.devlake.jsonl");
    expect(commits.some((c) => (c.author as Record<string, unknown>).user === undefined)).toBe(true);
    for (const c of commits) {
      CloudCommit.parse(c);
      if (!validate(asRecord(c))) throw new Error(schemaErrors(validate));
    }
  });

  it("parses pull request pages and their updated_on instants", () => {
    const page = PullRequestPage.parse(json("cloud/pullrequests-page.jenkinsci.json"));
    expect(page.values.length).toBeGreaterThan(0);
    for (const pr of jsonl("cloud/pullrequests.devlake.jsonl")) {
      const parsed = PullRequestPage.shape.values.element.parse(pr);
      expect(sortableInstant(parsed.updated_on)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
  });

  it("parses a repositories page with its next link, and the error envelope", () => {
    const page = CloudRepositoryPage.parse(json("cloud/repositories-page.drone-go-scm.json"));
    expect(page.next).toMatch(/^https:\/\/api\.bitbucket\.org\/2\.0\/repositories/);
    expect(parseErrorBody(text("cloud/error.drone-go-scm.json"))).toEqual({
      message: "Repository dev/null not found",
    });
  });
});

describe.skipIf(!existsSync(root))("recorded Bitbucket Data Center responses", () => {
  const validate = recordSchema("dc_default_branch_commits");
  const asRecord = (c: Record<string, unknown>) => ({
    ...c,
    project_key: "P",
    repo_slug: "r",
    branch: "main",
  });

  it("parses commit pages, mapped and unmapped authors alike, into valid records", () => {
    for (const f of [
      "datacenter/commits-page-unmapped-authors.jenkinsci.json",
      "datacenter/commits-page.drone-go-scm.json",
    ]) {
      const page = DcCommitPage.parse(json(f));
      for (const c of page.values)
        if (!validate(asRecord(c))) throw new Error(`${f}: ${schemaErrors(validate)}`);
    }
    const unmapped = DcCommitPage.parse(json("datacenter/commits-page-unmapped-authors.jenkinsci.json"));
    expect(Object.keys(unmapped.values[0]!.author as object).sort()).toEqual(["emailAddress", "name"]);
    for (const c of jsonl("datacenter/commits.devlake.jsonl")) {
      DcCommit.parse(c);
      if (!validate(asRecord(c))) throw new Error(schemaErrors(validate));
    }
  });

  it("makes valid dc_pullrequest_commits records of the same commits (pull-request commits are RestCommits too)", () => {
    const validatePr = recordSchema("dc_pullrequest_commits");
    const asPrRecord = (c: Record<string, unknown>) => ({
      ...c,
      project_key: "P",
      repo_slug: "r",
      pull_request_id: 7,
      pull_request_updated_date: 1_541_687_143_031,
    });
    const commits = [
      ...DcCommitPage.parse(json("datacenter/commits-page-unmapped-authors.jenkinsci.json")).values,
      ...DcCommitPage.parse(json("datacenter/commits-page.drone-go-scm.json")).values,
      ...jsonl("datacenter/commits.devlake.jsonl"),
    ];
    for (const c of commits) if (!validatePr(asPrRecord(c))) throw new Error(schemaErrors(validatePr));
  });

  it("reads a page whose nextPageStart is null as the last one", () => {
    const page = DcCommitPage.parse(json("datacenter/commits-page-unmapped-authors.jenkinsci.json"));
    expect(page.isLastPage).toBe(true);
    expect(page.nextPageStart).toBeNull();
  });

  it("parses repositories pages and both default-branch shapes", () => {
    const repos = DcRepositoryPage.parse(json("datacenter/repos-page.jenkinsci.json"));
    expect(repos.values.map((r) => r.project?.key)).toContain("AMUNIZ");
    const legacy = Branch.parse(json("datacenter/branches-default.drone-go-scm.json"));
    expect(legacy).toMatchObject({
      id: "refs/heads/feature_branch",
      displayId: "feature_branch",
      latestCommit: "c567b3f4a2980299e2a1148360f23ffb0f4c9764",
    });
    const newer = Branch.parse(json("datacenter/default-branch.atlassian-python-api.json"));
    expect(newer).toMatchObject({ id: "refs/heads/main", displayId: "main" });
    expect(newer.latestCommit).toBeUndefined();
  });

  it("reads the Data Center error envelope with its exception class", () => {
    expect(parseErrorBody(text("datacenter/error.drone-go-scm.json"))).toEqual({
      message: "Project dev does not exist.",
      exceptionName: "com.atlassian.bitbucket.project.NoSuchProjectException",
    });
  });
});
