// Preloaded (node --require) into a connector run whose memory a test bounds: on exit, however
// the run ends short of a kill, it prints the process's peak resident set size to stderr. The
// kernel's own high-water mark (getrusage), so no peak between two samples is missed.
process.on("exit", () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
