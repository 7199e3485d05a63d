import type { JsonObject } from "../protocol/messages.js";

/**
 * Warnings for config keys the spec does not know (`requst_timeout_seconds`), each naming the
 * nearest known key. They are only warnings: Airbyte configs may carry extra keys, but a
 * misspelled option silently ignored would cost a user hours.
 */
export function unknownKeys(raw: unknown, spec: JsonObject): string[] {
  const out: string[] = [];
  visit(raw, spec, "", out);
  return out;
}

function visit(value: unknown, schema: JsonObject, path: string, out: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  const properties = propertiesOf(schema, obj);
  if (!properties) return;
  const known = Object.keys(properties);
  for (const [k, v] of Object.entries(obj)) {
    const where = path ? `${path}.${k}` : k;
    const child = properties[k];
    if (child) {
      visit(v, child, where, out);
      continue;
    }
    const near = nearest(k, known);
    out.push(
      `the config key ${where} is not an option of this connector and is ignored${near ? `; did you mean ${path ? `${path}.` : ""}${near}?` : ""}`,
    );
  }
}

/** The properties an object may have: of the schema, or of the `oneOf` option its discriminator picks. */
function propertiesOf(
  schema: JsonObject,
  obj: Record<string, unknown>,
): Record<string, JsonObject> | undefined {
  if (Array.isArray(schema.oneOf)) {
    for (const option of schema.oneOf as JsonObject[]) {
      const props = (option.properties ?? {}) as Record<string, JsonObject>;
      const tag = Object.entries(props).find(([, p]) => p.const !== undefined);
      if (tag && obj[tag[0]] === tag[1].const) return props;
    }
    return undefined;
  }
  return schema.properties as Record<string, JsonObject> | undefined;
}

/** The known key closest to `key` by edit distance, when close enough to be a likely typo. */
function nearest(key: string, known: string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
