/**
 * What the order-proof early stop costs (streams/history.ts): on the long-lived-branches history
 * (3,617 commits, blocks of old commits merged late), for start_date at several points and each
 * order and page cap, the pages a start_date read requests with the frontier, against the old
 * rule ("stop at the first page wholly older than start_date") and against reading everything,
 * and how many commits the old rule missed. Computed on git's own listings, no HTTP.
 * Run alone: npx tsx bench/early-stop.ts (also a pass of npm run bench).
 */

import { COMMIT_ORDERS, longLivedBranchesHistory } from "../integration_tests/simulator/index.js";
import { Frontier, MAX_LOOKUPS } from "../src/streams/history.js";

/** The comparison as Markdown table rows. */
export function earlyStop(): string[] {
  const { repo } = longLivedBranchesHistory();
  const head = repo.head("main")!;
  const rows: string[] = [];
  for (const order of COMMIT_ORDERS) {
    const listing = repo.log(head, { order });
    const times = listing.map((c) => c.committerMs).sort((a, b) => a - b);
    for (const cap of [25, 100, 1000]) {
      for (const q of [0.5, 0.9, 0.99]) {
        const floor = times[Math.floor(q * (times.length - 1))]!;
        const want = listing.filter((c) => c.committerMs >= floor).length;
        const pages = Math.ceil(listing.length / cap);
        let frontierPages = pages;
        let lookups = 0;
        const f = new Frontier();
        for (let p = 0; p < pages; p++) {
          const page = listing.slice(p * cap, (p + 1) * cap);
          for (const c of page) f.see(c.id, c.committerMs, c.parents);
          const blockers = f.blockers(floor);
          if (page.every((c) => c.committerMs < floor) && blockers.length <= MAX_LOOKUPS)
            for (const id of blockers) {
              f.learn(id, repo.commit(id)!.committerMs);
              lookups++;
            }
          if (f.mayStop(floor)) {
            frontierPages = p + 1;
            break;
          }
        }
        let oldPages = pages;
        for (let p = 0; p < pages; p++) {
          if (listing.slice(p * cap, (p + 1) * cap).every((c) => c.committerMs < floor)) {
            oldPages = p + 1;
            break;
          }
        }
        const oldMissed = listing.slice(oldPages * cap).filter((c) => c.committerMs >= floor).length;
        rows.push(
          `| ${order} | ${cap} | ${Math.round((1 - q) * 100)} % (${want}) | ${frontierPages} + ${lookups} | ${oldPages} (missed ${oldMissed}) | ${pages} |`,
        );
      }
    }
  }
  console.log(
    "| order | page cap | start_date keeps (commits) | pages + commit lookups, frontier | pages, old rule (commits it missed) | pages, whole history |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
  repo.dispose();
  return [
    "| order | page cap | start_date keeps (commits) | pages + commit lookups, frontier | pages, old rule (commits it missed) | pages, whole history |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(earlyStop().join("\n"));
