/**
 * Bitbucket Cloud writes instants with microseconds and an offset
 * (`2026-04-07T09:12:31.222021+00:00`); JavaScript dates stop at milliseconds. Comparing cursors
 * at millisecond precision would call two different pull requests equal, so instants are
 * compared as fixed-width UTC strings with six fractional digits.
 */
export function sortableInstant(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso.trim());
  if (!m) {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 instant: ${iso}`);
    return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, "0")}000Z`;
  }
  const [, base = "", frac = "", zone = "Z"] = m;
  const micros = `${frac}000000`.slice(0, 6);
  const utc = new Date(`${base}${zone === "Z" ? "Z" : zone}`);
  if (Number.isNaN(utc.getTime())) throw new Error(`not an ISO 8601 instant: ${iso}`);
  return `${utc.toISOString().slice(0, 19)}.${micros}Z`;
}

export function compareInstants(a: string, b: string): number {
  const x = sortableInstant(a);
  const y = sortableInstant(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The later of two instants (either may be missing). */
export function laterInstant(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareInstants(a, b) >= 0 ? a : b;
}
