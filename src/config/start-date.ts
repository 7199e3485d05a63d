/**
 * `start_date` in every form users write it, turned once into the instant the streams compare
 * against:
 * - a bare date, `2026-05-01` (most Singer taps, Meltano's `date_iso8601` settings): midnight UTC;
 * - an RFC 3339 date-time with any offset, `2026-05-01T02:00:00+02:00` or `...Z`;
 * - a date-time without an offset, taken as UTC. Meltano writes this one: ruamel.yaml reads an
 *   unquoted `2026-05-01T10:00:00+02:00` in meltano.yml as a naive datetime already moved to
 *   UTC, and Meltano passes it on as its isoformat(), `2026-05-01T08:00:00`.
 */

/** The forms above, for the spec (JSON Schema `pattern`). */
export const START_DATE_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?$";

export const START_DATE_FORM = new RegExp(START_DATE_PATTERN);

const PARTS =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?$/;

/** The instant `text` names, or undefined when it is not one of the forms or not a real instant. */
export function parseStartDate(text: string): Date | undefined {
  const m = PARTS.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetMinutes = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  // Date.UTC rolls 2024-02-30 over into March and 24:00 into the next day; a start date that
  // does not name a real instant is a typo, not a wish.
  if (h > 23 || mi > 59 || s > 59 || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) return undefined;
  const ms = Math.floor(Number(`0${m[7] ?? ""}`) * 1000);
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  return new Date(local - offsetMinutes * 60_000);
}
