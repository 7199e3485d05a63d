// Partial responses (`fields=`): a comma-separated list of dotted paths; when at least one plain
// path is given, only those paths survive. This is the documented behaviour that bites clients:
// `fields=values.hash` drops `next`, so a client that forgets to ask for `next` sees one page only.
// "+path" / "-path" (add to / remove from the default set) are accepted and ignored.

export interface FieldTree {
  [key: string]: FieldTree | true;
}

export function parseFields(param: string | null): FieldTree | undefined {
  if (param === null) return undefined;
  const tree: FieldTree = {};
  let any = false;
  for (const raw of param.split(",")) {
    const path = raw.trim();
    if (path === "" || path.startsWith("+") || path.startsWith("-")) continue;
    any = true;
    let node: FieldTree = tree;
    const parts = path.split(".");
    parts.forEach((part, i) => {
      const existing = node[part];
      if (existing === true) return;
      if (i === parts.length - 1) {
        node[part] = true;
        return;
      }
      const child: FieldTree = existing ?? {};
      node[part] = child;
      node = child;
    });
  }
  return any ? tree : undefined;
}

export function projectFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => projectFields(v, tree));
  if (value === null || typeof value !== "object") return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(tree)) {
    const keys = key === "*" ? Object.keys(src) : [key];
    for (const k of keys) {
      if (!(k in src)) continue;
      out[k] = sub === true ? src[k] : projectFields(src[k], sub);
    }
  }
  return out;
}
