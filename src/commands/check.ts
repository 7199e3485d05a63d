import { asConnectorError, ConnectorError } from "../errors.js";
import type { Requester } from "../http/client.js";
import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import type { DeploymentKey } from "../streams/definition.js";
import { deploymentGroup } from "../streams/registry.js";
import { closeAll, type OpenDeployment, openDeployments } from "./deployments.js";
import type { ConnectorSettings } from "./settings.js";

/** Retries in check are few: a user waits for the answer, and a failing server should say so soon. */
const CHECK_RETRIES = 2;

/**
 * Checks every configured deployment the way a read would use it: its repositories can be
 * listed, and each of its streams finds something to read in the first few (the probes are the
 * registry's). A deployment fails when access fails for any of its streams, or when none of its
 * streams finds anything (`no_resources`). One CONNECTION_STATUS says SUCCEEDED or FAILED with
 * the failures, each led by its error code; bad credentials are a FAILED status, exit 0.
 */
export async function check(settings: ConnectorSettings, output: AirbyteOutput): Promise<number> {
  const ds = openDeployments(settings, output, { maxRetries: CHECK_RETRIES });
  try {
    const failures = (await Promise.all(ds.map((d) => checkDeployment(d, settings)))).flat();
    if (failures.length === 0) await output.connectionStatus("SUCCEEDED");
    else await output.connectionStatus("FAILED", failures.map((f) => f.userMessage).join("\n"));
    return 0;
  } finally {
    await closeAll(ds);
  }
}

async function checkDeployment(d: OpenDeployment, settings: ConnectorSettings): Promise<ConnectorError[]> {
  const scope = d.client.scope();
  try {
    await probeAll(d.key, scope, settings);
    return [];
  } catch (err) {
    const e = asConnectorError(err);
    // Name the deployment unless the message already does.
    const text = /Bitbucket (Cloud|Data Center)/.test(e.message) ? e.message : `${d.title}: ${e.message}`;
    return [new ConnectorError(e.code, text)];
  } finally {
    scope.release();
  }
}

async function probeAll<K extends DeploymentKey>(
  key: K,
  client: Requester,
  settings: ConnectorSettings,
): Promise<void> {
  const s = settings.deployments[key];
  if (s === undefined) return;
  const { deployment, streams } = deploymentGroup(key);
  const repos = await deployment.sample(client, s);
  const empty: string[] = [];
  for (const stream of streams) {
    const why = await stream.probe(client, s, repos);
    if (why !== undefined) empty.push(`${stream.info.name}: ${why}`);
  }
  if (empty.length === streams.length)
    throw new ConnectorError("no_resources", `nothing to read: ${empty.join("; ")}`);
}
