import { parseConfig, type ResolvedConfig, readJsonFile, secretsOf } from "../config/load.js";
import { configError } from "../errors.js";
import type { Redactor } from "../protocol/redact.js";

/**
 * Reads and validates the config file given on the command line. Its secrets are registered
 * with the redactor before validation, so that even a rejected config cannot leak them.
 */
export async function loadConfig(path: string | undefined, redactor: Redactor): Promise<ResolvedConfig> {
  if (!path) throw configError("no config given: pass --config FILE");
  const raw = await readJsonFile(path, "config");
  const secrets = secretsOf(raw);
  for (const s of secrets.plain) redactor.add(s);
  for (const [user, s] of secrets.basic) redactor.addBasic(user, s);
  return parseConfig(raw);
}
