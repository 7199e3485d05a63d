/**
 * What Meltano does to a tap's inputs, restated from its source so tests can feed the tap
 * exactly that:
 * - `select` rules → catalog metadata: meltano/meltano src/meltano/core/plugin/singer/catalog.py
 *   (`SelectPattern.parse`, `select_metadata_rules`, `MetadataExecutor`), applied after the
 *   implicit `!*.*` as `SingerTap.apply_catalog_rules` (tap.py) does;
 * - settings → the config file: `SingerPlugin.process_config` (drop nulls, `nest_object` on the
 *   dotted setting names, pop the dotted keys), values cast by `SettingDefinition.cast_value`
 *   (a YAML date or timestamp becomes its `isoformat()`), env vars named by `to_env_var`.
 */
import { parseDocument, visit } from "yaml";

type Json = Record<string, unknown>;

interface Rule {
  stream: string;
  breadcrumb: string[];
  selected: boolean;
}

/** `select_metadata_rules(["!*.*"])` then `select_metadata_rules(patterns)`, in that order. */
export function selectRules(patterns: string[]): Rule[] {
  return [...rulesOf(["!*.*"]), ...rulesOf(patterns)];
}

function rulesOf(patterns: string[]): Rule[] {
  const include: Rule[] = [];
  const exclude: Rule[] = [];
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const dot = pattern.search(/(?<!\\)\./);
    const stream = (dot < 0 ? pattern : pattern.slice(0, dot)).replaceAll("\\.", ".");
    const prop = dot < 0 ? undefined : pattern.slice(dot + 1);
    const selected = !negated;
    const rules = selected ? include : exclude;
    const rule = (props: string[]) => rules.push({ stream, breadcrumb: breadcrumbOf(props), selected });
    if (prop === undefined) {
      rule([]);
      rule(["*"]);
      continue;
    }
    if (selected || prop === "*") rule([]);
    const props = prop.split(".");
    rule(props);
    if (selected) for (let i = 1; i < props.length; i++) rule(props.slice(0, i));
  }
  return [...include, ...exclude];
}

const breadcrumbOf = (props: string[]) => props.flatMap((p) => ["properties", p]);

/** The catalog as `meltano run` hands it to the tap: metadata ensured, rules applied in order. */
export function applySelect(catalog: { streams: Json[] }, patterns: string[]): { streams: Json[] } {
  const rules = selectRules(patterns);
  const out = structuredClone(catalog);
  for (const stream of out.streams) {
    const id = String(stream.tap_stream_id);
    stream.metadata ??= [];
    const metadata = stream.metadata as { breadcrumb: string[]; metadata: Json }[];
    const ensure = (breadcrumb: string[]) => {
      if (metadata.some((m) => m.breadcrumb.join(".") === breadcrumb.join("."))) return;
      // MetadataExecutor.ensure_metadata: streams and top-level properties automatic, nested available.
      metadata.push({
        breadcrumb,
        metadata: { inclusion: breadcrumb.length <= 2 ? "automatic" : "available" },
      });
    };
    ensure([]);
    for (const rule of rules)
      if (rule.breadcrumb.length === 0 && fnmatch(id, rule.stream)) stream.selected = rule.selected;
    visitProperties(stream.schema as Json | undefined, [], ensure);
    for (const m of metadata) {
      for (const rule of rules) {
        if (!fnmatch(id, rule.stream) || !fnmatch(m.breadcrumb.join("."), rule.breadcrumb.join(".")))
          continue;
        // set_metadata: an unsupported field cannot be selected.
        if (rule.selected && m.metadata.inclusion === "unsupported") continue;
        m.metadata.selected = rule.selected;
      }
    }
  }
  return out;
}

/** Property nodes as Meltano's visitor finds them: `schema(\.properties\.\w*)+$`. */
function visitProperties(
  schema: Json | undefined,
  at: string[],
  found: (breadcrumb: string[]) => void,
): void {
  const props = schema?.properties;
  if (typeof props !== "object" || props === null) return;
  for (const [name, child] of Object.entries(props as Record<string, Json>)) {
    if (!/^\w*$/.test(name)) continue;
    const breadcrumb = [...at, "properties", name];
    found(breadcrumb);
    visitProperties(child, breadcrumb, found);
  }
}

/** Python's fnmatch on POSIX: case-sensitive, `*` across dots too. */
function fnmatch(name: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replaceAll("\\", "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s").test(name);
}

export interface MeltanoSetting {
  name: string;
  kind?: string;
  sensitive?: boolean;
}

export interface MeltanoExtractor {
  name: string;
  namespace?: string;
  settings: MeltanoSetting[];
  config?: Json;
  select?: string[];
}

/** meltano.yml as Meltano (ruamel.yaml) reads it: unquoted dates and timestamps are isoformat()ed. */
export function readMeltanoYml(text: string): Json {
  const doc = parseDocument(text);
  visit(doc, {
    Scalar(_, node) {
      if (node.type === "PLAIN" && typeof node.value === "string") {
        const iso = ruamelIsoformat(node.value);
        if (iso !== undefined) node.value = iso;
      }
    },
  });
  return doc.toJS() as Json;
}

/**
 * ruamel.yaml's timestamp (constructor.py `construct_yaml_timestamp`): a date, or a naive
 * datetime moved to UTC by its offset; then Python's isoformat().
 */
function ruamelIsoformat(text: string): string | undefined {
  const m =
    /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/.exec(
      text,
    );
  if (!m) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[4] === undefined) return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  const micros = Number((m[7] ?? "").slice(0, 6).padEnd(6, "0"));
  const offset = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  const t = new Date(Date.UTC(y, mo - 1, d, Number(m[4]), Number(m[5]), Number(m[6])) - offset * 60_000);
  const base = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return micros ? `${base}.${pad(micros, 6)}` : base;
}

/** `to_env_var(prefix, name)`: upper case, every other character an underscore. */
export function envVar(prefix: string, name: string): string {
  return [prefix, name].map((x) => x.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()).join("_");
}

/**
 * The config file Meltano writes for the extractor: each setting's value from the environment
 * (`<PLUGIN_NAME>_<SETTING>` or `<NAMESPACE>_<SETTING>`), else from `config` (flattened to
 * dotted names), cast by kind, nulls dropped, dotted names nested.
 */
export function meltanoConfig(extractor: MeltanoExtractor, env: Record<string, string>): Json {
  const flat = flatten(extractor.config ?? {});
  const values: Json = {};
  for (const setting of extractor.settings) {
    const prefixes = [extractor.name, extractor.namespace].filter((p): p is string => !!p);
    const fromEnv = prefixes.map((p) => env[envVar(p, setting.name)]).find((v) => v !== undefined);
    values[setting.name] = cast(setting, fromEnv ?? flat[setting.name] ?? null);
  }
  const nested: Json = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null) continue;
    const parts = name.split(".");
    let at = nested;
    for (const p of parts.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Json;
    }
    at[parts.at(-1)!] = value;
  }
  return nested;
}

function cast(setting: MeltanoSetting, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (setting.kind === "integer") return Number.parseInt(value, 10);
  if (setting.kind === "boolean") return ["true", "1", "yes", "on", "t", "y"].includes(value.toLowerCase());
  if (setting.kind === "array" || setting.kind === "object") return JSON.parse(value);
  return value;
}

function flatten(obj: Json, prefix = ""): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      Object.assign(out, flatten(v as Json, name));
    else out[name] = v;
  }
  return out;
}
