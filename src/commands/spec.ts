import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import type { ConnectorSpecification } from "../protocol/messages.js";

/** `spec`: the specification the config layer derives from its schema (passed in by the front end). */
export async function spec(output: AirbyteOutput, specification: ConnectorSpecification): Promise<number> {
  await output.spec(specification);
  return 0;
}
