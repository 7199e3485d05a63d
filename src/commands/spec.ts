import specification from "../../spec.json" with { type: "json" };
import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import type { ConnectorSpecification } from "../protocol/messages.js";

/**
 * `spec`: the specification as generated from the config schema (config/spec.ts, written to
 * spec.json by `npm run gen`, which the tests keep current). Printing the generated file rather
 * than building it again at run time spares `spec` the whole schema library.
 */
export async function spec(output: AirbyteOutput): Promise<number> {
  await output.spec(specification as ConnectorSpecification);
  return 0;
}
