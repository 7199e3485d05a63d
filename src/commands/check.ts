import { checkCloud } from "../cloud/check.js";
import type { ResolvedConfig } from "../config/load.js";
import { checkDataCenter } from "../datacenter/check.js";
import { asConnectorError } from "../errors.js";
import type { AirbyteOutput } from "../protocol/airbyte-output.js";
import { closeAll, deployments } from "./deployments.js";

/** Retries in check are few: a user waits for the answer, and a failing server should say so soon. */
const CHECK_RETRIES = 2;

/**
 * Checks every configured deployment; one CONNECTION_STATUS says SUCCEEDED or FAILED with the
 * failures, each led by its error code. Bad credentials are a FAILED status, not a crash: exit 0.
 */
export async function check(config: ResolvedConfig, output: AirbyteOutput): Promise<number> {
  const ds = deployments(config, output, { maxRetries: CHECK_RETRIES });
  try {
    const failures = await Promise.all(
      ds.map(async (d) => {
        try {
          if (d.kind === "cloud" && config.cloud) await checkCloud(d.client, config.cloud);
          if (d.kind === "data_center" && config.dataCenter)
            await checkDataCenter(d.client, config.dataCenter);
          return undefined;
        } catch (err) {
          const e = asConnectorError(err);
          const where = d.kind === "cloud" ? "Bitbucket Cloud" : "Bitbucket Data Center";
          // Name the deployment unless the message already does.
          return {
            code: e.code,
            text: /Bitbucket (Cloud|Data Center)/.test(e.message) ? e.message : `${where}: ${e.message}`,
          };
        }
      }),
    );
    const failed = failures.filter((f) => f !== undefined);
    if (failed.length === 0) await output.connectionStatus("SUCCEEDED");
    else await output.connectionStatus("FAILED", failed.map((f) => `${f.code}: ${f.text}`).join("\n"));
    return 0;
  } finally {
    await closeAll(ds);
  }
}
