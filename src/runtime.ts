import module from "node:module";
import { setFlagsFromString } from "node:v8";

/**
 * Runtime settings, imported first by each bin. The connector's live heap stays small (about
 * 20 MB after a full GC at a million commits), but parsing pages makes a lot of short-lived
 * garbage, and V8's default young generation (16 MB semi-spaces) lets it pile up into RSS.
 * 8 MB semi-spaces measured the same CPU time and about 12 MB less peak RSS (4 MB cost 20% more
 * CPU). A user's own choice, on the command line or in NODE_OPTIONS, wins.
 */
const chosen = `${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
if (!/semi[-_]space[-_]size/.test(chosen)) setFlagsFromString("--max-semi-space-size=8");

/**
 * After each full collection V8 lets the old generation grow by a factor it picks from how fast it
 * collects (up to 4× for a small heap), so what dies there (parsed pages that outlived a few young
 * collections, socket read buffers whose memory is malloc's) waits for a late full collection. At
 * a million commits that was about 50 MB of peak RSS on Node 24, the image's runtime: 184–191 MB
 * against about 136 MB with growth capped at 50 % per collection (20 % measured the same; 100 %
 * about 150 MB), for about a quarter more CPU in a read without latency (the bench's median read:
 * 29.3 s before, 36.2 s after; a real read spends most of its time waiting for its server). Read
 * at every collection, so it works set here; a user's own choice on the command line (either
 * spelling V8 accepts) wins.
 */
if (!/heap[-_]growing[-_]percent/.test(chosen)) setFlagsFromString("--heap-growing-percent=50");

/**
 * Node 22.1+ can keep the compiled code of the modules it loads in a cache on disk (in the system's
 * temporary directory), so later runs skip compiling the lazily loaded commands; Node 20 has no
 * such cache. NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE still decide, as Node documents.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
