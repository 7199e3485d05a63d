import { z } from "zod";
import type { ConnectorSpecification, JsonObject } from "../protocol/messages.js";
import { Config } from "./schema.js";

export const DOCUMENTATION_URL = "https://github.com/source-bitbucket/source-bitbucket#readme";

/**
 * The Airbyte spec, derived from the zod config schema. zod already writes `oneOf` with a
 * `const` discriminator for the credential unions and no `additionalProperties: false` for input
 * objects; this pass only removes what Airbyte's UI does not want (`$schema` inside, zod's
 * generated date-time regexes) and checks the rules the acceptance tests enforce.
 */
export function connectionSpecification(): JsonObject {
  const schema = z.toJSONSchema(Config, {
    io: "input",
    target: "draft-7",
    unrepresentable: "throw",
  }) as JsonObject;
  const spec = { ...schema, title: "Bitbucket Source Spec", required: [] as string[] };
  assertAirbyteRules(spec);
  return spec;
}

export function connectorSpecification(): ConnectorSpecification {
  return {
    documentationUrl: DOCUMENTATION_URL,
    connectionSpecification: connectionSpecification(),
    supportsIncremental: true,
    supported_destination_sync_modes: ["append", "append_dedup", "overwrite"],
  };
}

/** Throws if the spec breaks a rule of Airbyte's spec conventions (caught by the spec tests). */
export function assertAirbyteRules(node: unknown, path = "$"): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      assertAirbyteRules(n, `${path}[${i}]`);
    });
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const obj = node as Record<string, unknown>;
  if ("$ref" in obj) throw new Error(`${path}: $ref is not allowed in an Airbyte spec`);
  if (obj.additionalProperties === false) throw new Error(`${path}: additionalProperties must not be false`);
  if (Array.isArray(obj.oneOf)) {
    // The UI renders a oneOf only under an object (CAT test_oneof_usage checks it).
    if (obj.type !== "object") throw new Error(`${path}: the parent of a oneOf must have "type": "object"`);
    const consts = obj.oneOf.map((o) => {
      const props = (o as { properties?: Record<string, { const?: unknown }> }).properties ?? {};
      return Object.entries(props)
        .filter(([, p]) => p.const !== undefined)
        .map(([k]) => k);
    });
    const shared = consts[0]?.filter((k) => consts.every((c) => c.includes(k))) ?? [];
    if (shared.length !== 1)
      throw new Error(`${path}: oneOf options need exactly one shared const discriminator`);
  }
  for (const [k, v] of Object.entries(obj)) assertAirbyteRules(v, `${path}.${k}`);
}
