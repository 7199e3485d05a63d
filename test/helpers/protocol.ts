import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/** Validators built from the official Airbyte protocol schema (vendored under integration_tests/airbyte). */
const schemaPath = new URL("../../integration_tests/airbyte/airbyte_protocol.schema.json", import.meta.url);
const protocol = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
type AddFormats = (a: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;
addFormats(ajv);
ajv.addSchema(protocol, "airbyte_protocol");

function definition(name: string): ValidateFunction {
  const v = ajv.getSchema(`airbyte_protocol#/definitions/${name}`);
  if (!v) throw new Error(`no definition ${name}`);
  return v;
}

export const validateMessage = definition("AirbyteMessage");
export const validateCatalog = definition("ConfiguredAirbyteCatalog");

/** Throws with ajv's errors when a message breaks the official schema or the type/payload pairing. */
export function assertValidMessage(message: unknown): void {
  if (!validateMessage(message)) {
    throw new Error(
      `invalid Airbyte message ${JSON.stringify(message).slice(0, 300)}: ${ajv.errorsText(validateMessage.errors)}`,
    );
  }
  // The schema does not tie `type` to its payload key; the protocol does.
  const m = message as Record<string, unknown>;
  const key: Record<string, string> = {
    RECORD: "record",
    STATE: "state",
    LOG: "log",
    TRACE: "trace",
    SPEC: "spec",
    CONNECTION_STATUS: "connectionStatus",
    CATALOG: "catalog",
  };
  const payload = key[String(m.type)];
  if (!payload || m[payload] === undefined)
    throw new Error(`message of type ${String(m.type)} lacks its payload`);
}

/** Validates a JSON Schema instance (e.g. a record against its stream's schema). */
export function compileSchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

export function schemaErrors(v: ValidateFunction): string {
  return ajv.errorsText(v.errors);
}

type Json = Record<string, unknown>;
interface Definition {
  properties?: Record<string, { $ref?: string; items?: { $ref?: string } }>;
  required?: string[];
}

/**
 * `value` with every optional property of the protocol definition `name` that it lacks set to
 * null, recursively through `$ref`s and arrays of them: what the Python protocol models write
 * for unset fields (pydantic's `.json()`, dataclasses' `asdict()`).
 */
export function withNullOptionals(name: string, value: Json): Json {
  const defs = protocol.definitions as Record<string, Definition>;
  const def = defs[name];
  if (!def?.properties) return value;
  const out: Json = { ...value };
  for (const [key, prop] of Object.entries(def.properties)) {
    const v = out[key];
    const ref = (prop.$ref ?? prop.items?.$ref)?.replace("#/definitions/", "");
    if (v === undefined) {
      if (!def.required?.includes(key)) out[key] = null;
    } else if (ref && Array.isArray(v)) {
      out[key] = v.map((item) => (isObject(item) ? withNullOptionals(ref, item) : item));
    } else if (ref && isObject(v)) {
      out[key] = withNullOptionals(ref, v);
    }
  }
  return out;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Errors of `schema` as a draft-07 JSON Schema (jsonschema's `Draft7Validator.check_schema`), or []. */
export function schemaProblems(schema: object): string[] {
  return ajv.validateSchema(schema) ? [] : [ajv.errorsText(ajv.errors)];
}
