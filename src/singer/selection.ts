/**
 * Which fields of a selected stream a Singer catalog leaves out. The rules are the Singer SDK's
 * (meltano/sdk, singerlib/catalog.py, `_breadcrumb_is_selected`), the reference Meltano's
 * `select` rules are written for:
 * - a field under a deselected parent is deselected;
 * - `inclusion: unsupported` is never selected, `inclusion: automatic` always is;
 * - then `selected`, then `selected-by-default`, then the parent's selection.
 * On top of that the stream's primary key and cursor fields are always kept, whatever the
 * catalog says of them: a record without them could not be deduplicated or resumed.
 * Breadcrumbs through `properties` at any depth count (Meltano writes metadata for nested
 * properties too); others (through `items`, say) are not field selection and are ignored.
 */

export interface FieldMetadata {
  breadcrumb: (string | number)[];
  metadata: {
    selected?: boolean | null | undefined;
    inclusion?: string | null | undefined;
    "selected-by-default"?: boolean | null | undefined;
  };
}

/**
 * The property paths (`["author", "raw"]`) the metadata deselects, outermost only: a field under
 * one of them is not listed again. Never a top-level field of `automatic`.
 */
export function deselectedPaths(metadata: FieldMetadata[], automatic: ReadonlySet<string>): string[][] {
  const byPath = new Map<string, FieldMetadata["metadata"]>();
  for (const m of metadata) {
    const path = propertyPath(m.breadcrumb);
    if (path) byPath.set(key(path), m.metadata);
  }
  const memo = new Map<string, boolean>();
  const selected = (path: string[]): boolean => {
    if (path.length === 0) return true; // the stream itself: only selected streams are read
    const k = key(path);
    let v = memo.get(k);
    if (v === undefined) {
      v = fieldSelected(path, byPath.get(k), selected(path.slice(0, -1)), automatic);
      memo.set(k, v);
    }
    return v;
  };
  const out: string[][] = [];
  for (const k of byPath.keys()) {
    const path = k.split(SEP);
    if (!selected(path) && selected(path.slice(0, -1))) out.push(path);
  }
  return out;
}

/** One field's selection, given its parent's; the order of the rules is the SDK's. */
function fieldSelected(
  path: string[],
  md: FieldMetadata["metadata"] | undefined,
  parent: boolean,
  automatic: ReadonlySet<string>,
): boolean {
  if (!parent) return false;
  if (path.length === 1 && automatic.has(path[0]!)) return true;
  if (md?.inclusion === "unsupported") return false;
  if (md?.inclusion === "automatic") return true;
  if (typeof md?.selected === "boolean") return md.selected;
  if (typeof md?.["selected-by-default"] === "boolean") return md["selected-by-default"];
  return parent;
}

/** `["properties", "a", "properties", "b"]` → `["a", "b"]`; anything else → undefined. */
function propertyPath(breadcrumb: (string | number)[]): string[] | undefined {
  if (breadcrumb.length === 0 || breadcrumb.length % 2 !== 0) return undefined;
  const path: string[] = [];
  for (let i = 0; i < breadcrumb.length; i += 2) {
    const name = breadcrumb[i + 1];
    if (breadcrumb[i] !== "properties" || typeof name !== "string") return undefined;
    path.push(name);
  }
  return path;
}

// Property names are arbitrary strings; a NUL never occurs in a field name of these streams.
const SEP = "\u0000";
const key = (path: string[]) => path.join(SEP);
