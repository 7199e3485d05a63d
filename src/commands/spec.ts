import { connectorSpecification } from "../config/spec.js";
import type { AirbyteOutput } from "../protocol/airbyte-output.js";

export async function spec(output: AirbyteOutput): Promise<number> {
  await output.spec(connectorSpecification());
  return 0;
}
