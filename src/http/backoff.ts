/**
 * Waiting rules of the HTTP layer. Full jitter (a uniform draw between 0 and the capped
 * exponential) spreads retries of concurrent requests instead of having them hit a recovering
 * server together.
 */
export function backoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** A Retry-After further away than this is not a plan but a broken header: it is ignored. */
const ABSURD_RETRY_AFTER_MS = 24 * 3600 * 1000;

/** IMF-fixdate, RFC 850 and asctime: the three forms RFC 9110 allows for an HTTP date. */
const HTTP_DATE = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * `Retry-After` as delay seconds or an HTTP date, in ms from `now`. Undefined when absent, and
 * also when it is not one of those forms (`-1`, `soon`: Date.parse would read `-1` as a date in
 * 2001) or absurd (more than a day away): treated as absent, the caller's own backoff applies.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let ms: number | undefined;
  if (/^\d{1,10}(\.\d+)?$/.test(v)) ms = Math.round(Number(v) * 1000);
  else if (HTTP_DATE.some((re) => re.test(v))) {
    // asctime has no zone but means GMT; Date.parse would read it in the local zone.
    const at = Date.parse(v.endsWith("GMT") ? v : `${v} GMT`);
    if (!Number.isNaN(at)) ms = Math.max(0, at - now);
  }
  return ms !== undefined && ms <= ABSURD_RETRY_AFTER_MS ? ms : undefined;
}

/** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
