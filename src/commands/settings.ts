import type { ClientSettings } from "../http/settings.js";
import type { DeploymentKey, SettingsOf } from "../streams/definition.js";

/**
 * What the commands run with: the config with every default applied, built by the config layer
 * (config/load.ts). Defined here, by the layer that reads it, so that no layer imports from one
 * above it.
 */
export interface ConnectorSettings {
  /** The configured deployments' settings, by deployment. */
  deployments: { [K in DeploymentKey]?: SettingsOf<K> };
  startDate?: Date | undefined;
  /** How every deployment's server is requested. */
  http: ClientSettings;
  shard?: { index: number; count: number } | undefined;
}
