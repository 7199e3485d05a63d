/** The preload that makes a connector run report its peak RSS (runCli's `nodeArgs`). */
export const PEAK_RSS = ["--require", new URL("./peak-rss.cjs", import.meta.url).pathname];

/** The peak RSS a run preloaded with PEAK_RSS reported, in MB. */
export function peakRssMb(stderr: string): number {
  const m = /peak-rss-kb (\d+)/.exec(stderr);
  if (!m) throw new Error(`the run reported no peak RSS; stderr: ${stderr.slice(-500)}`);
  return Number(m[1]) / 1024;
}
