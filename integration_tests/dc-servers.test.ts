import { afterEach, describe, expect, it } from "vitest";
import { records, runRead } from "./helpers/cli.js";
import { catalog, DC_STREAM, dcConfig, dcKey } from "./helpers/configs.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Reads every repository of a simulated server of the given kind; checks completeness. */
async function readAll(opts: SimulatorOptions) {
  sim = await startSimulator(opts);
  const r = await runRead({ data_center: dcConfig(sim) }, catalog([DC_STREAM]));
  expect(r.code).toBe(0);
  const got = records(r.messages, DC_STREAM).map(dcKey);
  expect(new Set(got).size).toBe(got.length);
  expect(new Set(got)).toEqual(new Set(sim.truth().dc.map(dcKey)));
  return { sim, by: sim.stats().byRoute };
}

describe("Data Center servers differ", () => {
  const repos = () => sim!.dc.repositories().length;

  it("reads a server that has only branches/default, settling on it after one miss", async () => {
    const { by } = await readAll({ dcDefaultBranchEndpoints: ["branches/default"] });
    expect(by["dc.branches_default"]).toBe(repos());
    // The first lookup finds out which endpoint the server has; the others wait for it.
    expect(by["dc.default_branch"]).toBe(1);
  });

  it("reads a server that has only default-branch", async () => {
    const { by } = await readAll({ dcDefaultBranchEndpoints: ["default-branch"] });
    expect(by["dc.default_branch"]).toBe(repos());
    expect(by["dc.branches_default"]).toBe(0);
  });

  it("reads everything when the server caps limit far below what was asked", async () => {
    const { sim, by } = await readAll({ dcMaxLimit: 100 });
    const pages = sim.requests().filter((q) => q.route === "dc.commits");
    expect(pages.every((q) => q.path.includes("limit=1000"))).toBe(true);
    // A 2,500-commit repository then takes 25 pages, followed by nextPageStart.
    expect(by["dc.commits"]).toBeGreaterThanOrEqual(25);
  });
});
