/**
 * The helpers Airbyte's connector acceptance tests (CAT) judge a connector with, restated from
 * their source so that the tests in this folder apply the same rules and not a memory of them.
 * Read at airbytehq/airbyte, airbyte-integrations/bases/connector-acceptance-test/
 * connector_acceptance_test/:
 *   tests/test_core.py          ddb755fcdeb3371a755a06c1ab937d3bafbd14be
 *   tests/test_full_refresh.py  e043c1654fdbff92372e615b5716cdb8ab5b4ac7
 *   tests/test_incremental.py   c3addd1d1435c92c4c5220e414c3680858ab8731
 *   utils/common.py             b8e9f037530747b4c1c0bada0c233a1e77efa194
 *   utils/asserts.py            b032e87f613542cd0a58fc3f83e276488b6a3581
 *   utils/json_schema_helper.py 504b7741da9e56809c57c09544b769f901a1f7a6
 *   utils/connector_runner.py   a60716c69cd2d70a592e43da04e10dcf8c37a3dc
 *   config.py                   71b99465289679d95ff58ce7c7302bad79f7eccf
 *   conftest.py                 464cb4620161e3d503d218d9d0525237724a0417
 * Each function names the Python it restates.
 */
import { withNullOptionals } from "../../test/helpers/protocol.js";
import type { Message } from "../helpers/cli.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON Schemas and protocol messages are walked generically
export type Json = any;
export type Path = (string | number)[];

/** Every key of `node` at any depth with its path, lists indexed: what dpath's `**` glob walks. */
export function allKeys(node: Json, at: Path = []): { path: Path; key: string; value: Json }[] {
  const out: { path: Path; key: string; value: Json }[] = [];
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) out.push(...allKeys(v, [...at, i]));
  } else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      out.push({ path: [...at, k], key: k, value: v });
      out.push(...allKeys(v, [...at, k]));
    }
  return out;
}

/** `dpath.util.search(node, "**" + "/" + key, yielded=True)`. */
export const search = (node: Json, key: string) => allKeys(node).filter((e) => e.key === key);

/** `dpath.util.get` / `JsonSchemaHelper.get_node`. */
export const getNode = (node: Json, path: Path): Json => path.reduce((n, k) => n?.[k], node);

/** `JsonSchemaHelper.get_parent`: the object holding the key at `path`. */
export const getParent = (node: Json, path: Path): Json => getNode(node, path.slice(0, -1));

/** `JsonSchemaHelper.find_nodes(keys)`: paths of every key in `keys`, at any depth. */
export const findNodes = (node: Json, keys: string[]): Path[] =>
  allKeys(node)
    .filter((e) => keys.includes(e.key))
    .map((e) => e.path);

/** utils/common.py `find_all_values_for_key_in_schema`. */
export const findAllValuesForKey = (node: Json, key: string): Json[] => search(node, key).map((e) => e.value);

/** utils/common.py `find_keyword_schema`: the keyword anywhere, except as a property name of an object schema. */
export function findKeywordSchema(schema: Json, key: string, skip = false): boolean {
  if (Array.isArray(schema)) return schema.some((v) => findKeywordSchema(v, key));
  if (!schema || typeof schema !== "object") return false;
  for (const [k, v] of Object.entries(schema)) {
    if (k === key && !skip) return true;
    if (findKeywordSchema(v, key, k === "properties" && schema.type === "object")) return true;
  }
  return false;
}

/** `dpath.util.search(schema["properties"], "a/properties/b")`: the field path exists in the schema. */
export function fieldInSchema(schema: Json, path: string[]): boolean {
  let node = schema;
  for (const part of path) {
    node = node?.properties?.[part];
    if (node === undefined) return false;
  }
  return true;
}

/** json_schema_helper.py `get_object_structure`: paths of every key; arrays by their first element. */
export function objectStructure(obj: Json): string[] {
  const paths: string[] = [];
  const walk = (o: Json, path: string) => {
    if (path) paths.push(path);
    if (o && typeof o === "object" && !Array.isArray(o))
      for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
    else if (Array.isArray(o) && o.length > 0) walk(o[0], `${path}/[]`);
  };
  walk(obj, "");
  return paths;
}

/** json_schema_helper.py `get_expected_schema_structure` (no `$ref`s here; oneOf/anyOf flattened). */
export function expectedSchemaStructure(schema: Json): string[] {
  const paths: string[] = [];
  const scan = (sub: Json, path: string): void => {
    const variants = sub.oneOf ?? sub.anyOf;
    if (variants) {
      for (const v of variants) scan({ type: "object", ...v }, path);
      return;
    }
    const t = sub.type ?? ["object", "null"];
    const types: string[] = Array.isArray(t) ? t : [t];
    if (types.includes("object")) {
      const props = sub.properties;
      if (!props || Object.keys(props).length === 0) {
        if (path) paths.push(path);
        return;
      }
      for (const [k, v] of Object.entries(props)) scan(v, `${path}/${k}`);
      return;
    }
    if (types.includes("array")) {
      scan(sub.items ?? {}, `${path}/[]`);
      return;
    }
    paths.push(path);
  };
  scan(schema, "");
  return paths;
}

/**
 * utils/asserts.py `CustomFormatChecker.check_datetime`: `timestamp_regex` and pendulum's
 * non-strict parse. Date.parse stands in for pendulum.
 */
export function catDateTime(value: string): boolean {
  return (
    /^\d{4}-\d?\d-\d?\d(\s|T)\d?\d:\d?\d:\d?\d(.\d+)?.*$/.test(value) && !Number.isNaN(Date.parse(value))
  );
}

/**
 * utils/asserts.py `Draft7ValidatorWithStrictInteger`: an `integer` must be an integer in the
 * Python sense, so `1.0` is not one. JSON.parse loses the difference, so the record's own line
 * is searched for a member named like an integer property whose number has a fraction or an
 * exponent.
 */
export function fractionalIntegers(line: string, schema: Json): string[] {
  const names = new Set(
    allKeys(schema)
      .filter((e) => e.key === "type" && [e.value].flat().includes("integer"))
      .map((e) => String(e.path.at(-2))),
  );
  const bad: string[] = [];
  for (const m of line.matchAll(/"([^"\\]+)":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g))
    if (names.has(m[1]!) && /[.eE]/.test(m[2]!)) bad.push(`${m[1]}=${m[2]}`);
  return bad;
}

/** common.py `build_configured_catalog_from_discovered_catalog_and_empty_streams`, as pydantic's `.json()` writes it. */
export function configuredFromDiscovered(discovered: Json[], emptyStreams: string[] = []): Json {
  return configuredCatalog(
    discovered
      .filter((s) => !emptyStreams.includes(s.name))
      .map((stream) => ({
        stream,
        sync_mode: stream.supported_sync_modes[0],
        destination_sync_mode: "append",
        cursor_field: stream.default_cursor_field,
        primary_key: stream.source_defined_primary_key,
      })),
  );
}

/** common.py `build_configured_catalog_from_custom_catalog`: each stream replaced by the discovered one. */
export function configuredFromCustom(custom: Json, discovered: Json[]): Json {
  return configuredCatalog(
    custom.streams.map((c: Json) => {
      const stream = discovered.find((d) => d.name === c.stream.name);
      if (!stream)
        throw new Error(`The ${c.stream.name} stream you have set is not part of the discovered_catalog`);
      return { ...c, stream };
    }),
  );
}

/**
 * A ConfiguredAirbyteCatalog as connector_runner.py writes it to the container
 * (`catalog.json()`): pydantic v1 includes every unset optional field as null.
 */
export const configuredCatalog = (streams: Json[]): Json =>
  withNullOptionals("ConfiguredAirbyteCatalog", { streams });

/** common.py `full_refresh_only_catalog` / `incremental_only_catalog`. */
export function onlyMode(catalog: Json, mode: "full_refresh" | "incremental"): Json {
  return {
    streams: catalog.streams
      .filter((s: Json) => s.stream.supported_sync_modes.includes(mode))
      .map((s: Json) => ({ ...s, sync_mode: mode })),
  };
}

/** test_incremental.py `configured_catalog_for_incremental_fixture`. */
export function catalogForIncremental(catalog: Json): Json {
  const out = onlyMode(catalog, "incremental");
  for (const s of out.streams) {
    if (s.cursor_field?.length) continue;
    if (!s.stream.default_cursor_field?.length)
      throw new Error(
        `All incremental streams should have cursor_field or default_cursor_field: ${s.stream.name}`,
      );
    s.cursor_field = [...s.stream.default_cursor_field];
  }
  return out;
}

/** test_incremental.py `construct_latest_state_from_messages`, then the state input test_two_sequential_reads builds. */
export function latestStateInput(states: Message[]): Json[] {
  const latest = new Map<string, Json>();
  for (const m of states)
    if (m.state.type === "STREAM")
      latest.set(m.state.stream.stream_descriptor.name, m.state.stream.stream_state ?? {});
  return [...latest].map(([name, streamState]) => ({
    type: "STREAM",
    stream: { stream_descriptor: { name }, stream_state: streamState },
  }));
}

/** test_incremental.py `naive_diff_records`: DeepDiff(ignore_order=True) of the records' data is not empty. */
export function recordsDiffer(a: Message[], b: Message[]): boolean {
  const key = (ms: Message[]) =>
    ms
      .map((m) => canonical(m.record.data))
      .sort()
      .join("\n");
  return key(a) !== key(b);
}

export function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

const stateOf = (m: Message) => canonical(m.state.stream ? m.state.stream.stream_state : m.state);
const countOf = (m: Message) => m.state.sourceStats?.recordCount ?? 0;

/**
 * test_incremental.py `_state_messages_selector`: `_get_unique_state_messages_with_record_count`
 * then `_states_with_expected_record_count_batch_selector`, with MIN_BATCHES_TO_TEST = 5.
 * Returns each chosen STATE with the records a read from it must at least produce.
 */
export function stateCheckpoints(input: Message[]): [Message, number][] {
  const states = structuredClone(input);
  let unique: [Message, number][];
  if (states.length <= 1) {
    unique = states.filter(countOf).map((s) => [s, 0]);
  } else {
    const kept: Message[] = [];
    let current = 0;
    while (current < states.length - 1) {
      let next = current + 1;
      while (stateOf(states[current]!) === stateOf(states[next]!) && next < states.length - 1) next++;
      const sum = states.slice(current, next).reduce((n, s) => n + countOf(s), 0);
      states[current]!.state.sourceStats = { recordCount: sum };
      kept.push(states[current]!);
      if (next === states.length - 1 && stateOf(states[current]!) !== stateOf(states[next]!))
        kept.push(states[next]!);
      current = next;
    }
    const nonZero = kept.filter(countOf);
    const total = nonZero.reduce((n, s) => n + countOf(s), 0);
    unique = nonZero.map((s, i) => [s, total - nonZero.slice(0, i + 1).reduce((n, x) => n + countOf(x), 0)]);
  }
  if (unique.length < 3) return unique.slice(-1);
  const sampleRate = Math.floor(unique.length / 5) || 1;
  return unique.filter((_, i) => i !== 0 && i % sampleRate === 0 && i !== unique.length - 1);
}

/** test_incremental.py `get_next_state_input`: the per-stream states so far, with this one merged in. */
export function nextStateInput(state: Message, perStream: Map<string, Json>): Json[] {
  const s = state.state;
  if (s.type === "STREAM" && s.stream.stream_state)
    perStream.set(s.stream.stream_descriptor.name, s.stream.stream_state);
  return [...perStream].map(([name, streamState]) => ({
    type: "STREAM",
    stream: { stream_descriptor: { name }, stream_state: streamState },
  }));
}

/** test_core.py `_extract_primary_key_value`: each key part's value, `None` where a path is missing. */
export function primaryKeyValues(record: Json, primaryKey: string[][]): Json[] {
  return primaryKey.map(
    (path) =>
      path.reduce((d, k) => (d && typeof d === "object" && !Array.isArray(d) ? d[k] : undefined), record) ??
      null,
  );
}
