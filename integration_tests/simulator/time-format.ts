// Bitbucket Cloud writes pull-request times with microseconds ("2026-04-07T09:12:31.222021+00:00")
// and commit dates with seconds ("2023-10-08T17:31:20+00:00"). JS Dates stop at milliseconds, so
// Cloud times are kept as epoch *microseconds* (safe integers until the year 2255).

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const wholeSecondMs = Math.floor(ms / 1000) * 1000;
  const fraction = us - wholeSecondMs * 1000;
  return `${isoSeconds(wholeSecondMs)}.${String(fraction).padStart(6, "0")}+00:00`;
}

export function formatSeconds(ms: number): string {
  return `${isoSeconds(ms)}+00:00`;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a BBQL date literal (ISO-8601 date or date-time, optional zone, default UTC) to epoch
 * microseconds. Returns undefined for anything else, notably for "…T00:00:00 00:00", which is what
 * an unencoded "+00:00" offset becomes once the query string is decoded.
 */
export function parseIsoMicros(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const micros = Number(frac.padEnd(6, "0"));
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}
