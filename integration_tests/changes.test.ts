import { afterEach, describe, expect, it } from "vitest";
import { errors, lastStates, logs, type Message, records, runRead, statuses } from "./helpers/cli.js";
import { CLOUD_STREAM, catalog, cloudConfig, cloudKey, DC_STREAM, dcConfig } from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("repositories that change under the sync", () => {
  it("skips, with a warning, a listed repository that is gone when read; fails a configured one", async () => {
    sim = await startSimulator();
    sim.injectFault({ route: /\/2\.0\/repositories\/acme\/docs-site\/pullrequests/, kind: "404-gone" });
    sim.injectFault({ route: /\/repos\/build-tools\//, kind: "404-gone" });
    const r = await runRead(
      { cloud: cloudConfig(sim), data_center: dcConfig(sim) },
      catalog([CLOUD_STREAM, DC_STREAM]),
    );
    expect(r.code).toBe(0);
    for (const s of [CLOUD_STREAM, DC_STREAM]) expect(statuses(r.messages, s).at(-1)).toBe("COMPLETE");
    const warnings = logs(r.messages, "WARN");
    expect(warnings).toContain(
      "acme/docs-site: skipped: the repository was listed but is gone now (Repository not found)",
    );
    expect(warnings).toContain(
      "PLAT/build-tools: skipped: the repository was listed but is gone now (Repository does not exist.)",
    );
    expect(records(r.messages, CLOUD_STREAM).some((c) => c.repo_slug === "docs-site")).toBe(false);

    sim.injectFault({ route: /\/2\.0\/repositories\/acme\/docs-site\/pullrequests/, kind: "404-gone" });
    const configured = await runRead(
      { cloud: cloudConfig(sim, "access_token", { repositories: ["docs-site"] }) },
      catalog([CLOUD_STREAM]),
    );
    expect(configured.code).toBe(1);
    expect(errors(configured.messages)[0]?.message).toMatch(/^not_found: .*404 Not Found.*docs-site/);
  });

  it("loses no pull request when a repository answers 404 mid-sweep and comes back", async () => {
    sim = await startSimulator();
    const config = { cloud: cloudConfig(sim) };
    const slug = "api-gateway";
    const repo = (c: Message) => c.repo_slug === slug;
    const truth = new Set(
      sim
        .truth()
        .cloud.filter((c) => c.workspace === "acme" && c.repo_slug === slug)
        .map(cloudKey),
    );
    expect(sim.cloud.pullRequests("acme", slug).length).toBeGreaterThan(50); // the listing has a second page

    // 1. The pull-request listing's second page answers 404 (repository deleted, or access revoked).
    sim.injectFault({
      route: new RegExp(`/2\\.0/repositories/acme/${slug}/pullrequests\\?.*page=2`),
      kind: "404-gone",
    });
    const first = await runRead(config, catalog([CLOUD_STREAM]));
    expect(first.code).toBe(0);
    expect(
      logs(first.messages, "WARN").some((w) => w.startsWith(`acme/${slug}: skipped: the repository`)),
    ).toBe(true);
    // 2. It answers again: the next sync reads what the first did not.
    const second = await runRead(config, catalog([CLOUD_STREAM]), { state: lastStates(first.messages) });
    expect(second.code).toBe(0);
    const got = new Set(
      [...records(first.messages, CLOUD_STREAM), ...records(second.messages, CLOUD_STREAM)]
        .filter(repo)
        .map(cloudKey),
    );
    expect(got).toEqual(truth);

    // 3. The repository vanishes while a pull request's commits are read: that 404 is the
    //    repository's, so the pull request is not counted as read.
    const pr = sim.cloud.pullRequests("acme", slug).find((p) => p.commitsStatus === 200 && p.commits > 0)!;
    const added = sim.cloud.addCommitsToPullRequest("acme", slug, pr.id, 2);
    sim.injectFault({
      route: new RegExp(`/2\\.0/repositories/acme/${slug}/pullrequests/${pr.id}/commits`),
      kind: "404-gone",
    });
    sim.injectFault({ route: new RegExp(`/2\\.0/repositories/acme/${slug}\\?`), kind: "404-gone" });
    const third = await runRead(config, catalog([CLOUD_STREAM]), { state: lastStates(second.messages) });
    expect(third.code).toBe(0);
    expect(records(third.messages, CLOUD_STREAM).filter(repo)).toHaveLength(0);
    const fourth = await runRead(config, catalog([CLOUD_STREAM]), { state: lastStates(third.messages) });
    const hashes = records(fourth.messages, CLOUD_STREAM)
      .filter((c: Message) => repo(c) && c.pull_request_id === pr.id)
      .map((c: Message) => c.hash);
    for (const h of added) expect(hashes).toContain(h);
  });

  it("applies a start_date moved past the cursor", async () => {
    sim = await startSimulator();
    const config = { cloud: cloudConfig(sim), data_center: dcConfig(sim) };
    const first = await runRead(config, catalog([CLOUD_STREAM, DC_STREAM]));
    // New commits everywhere, then a start_date after some of them.
    const repo = sim.dc.repositories().find((x) => x.commits > 0)!;
    sim.dc.push(repo.projectKey, repo.slug, 3);
    const start = new Date(sim.now().getTime() + 500).toISOString(); // after the first push, before the second
    const newer = sim.dc.push(repo.projectKey, repo.slug, 2);
    const pr = sim.cloud
      .pullRequests("acme", "api-gateway")
      .find((p) => p.commitsStatus === 200 && p.commits > 0)!;
    sim.cloud.addCommitsToPullRequest("acme", "api-gateway", pr.id, 1);
    const second = await runRead({ ...config, start_date: start }, catalog([CLOUD_STREAM, DC_STREAM]), {
      state: lastStates(first.messages),
    });
    expect(second.code).toBe(0);
    expect(
      records(second.messages, DC_STREAM)
        .map((d: Message) => d.id)
        .sort(),
    ).toEqual([...newer].sort());
    expect(new Set(records(second.messages, CLOUD_STREAM).map((c: Message) => c.pull_request_id))).toEqual(
      new Set([pr.id]),
    );
  });
});
