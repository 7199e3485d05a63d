import { CLOUD_DEFAULT_BRANCH_COMMITS } from "../cloud/default-branch-commits.js";
import { CLOUD } from "../cloud/deployment.js";
import { CLOUD_PULLREQUEST_COMMITS } from "../cloud/pullrequest-commits.js";
import { DC_DEFAULT_BRANCH_COMMITS } from "../datacenter/default-branch-commits.js";
import { DATA_CENTER } from "../datacenter/deployment.js";
import { DC_PULLREQUEST_COMMITS } from "../datacenter/pullrequest-commits.js";
import type {
  AnyStreamDefinition,
  DeploymentDefinition,
  DeploymentKey,
  StreamDefinition,
} from "./definition.js";

/**
 * The streams this connector has, by deployment: the only place that lists them. Help texts,
 * discover, the catalog checks, check, the acceptance files, the demo, the benchmark and the
 * container smoke test all read it. Adding a stream is one entry here (see the README's
 * development section for the rest).
 */
const REGISTRY: {
  [K in DeploymentKey]: { deployment: DeploymentDefinition<K>; streams: StreamDefinition<K>[] };
} = {
  cloud: { deployment: CLOUD, streams: [CLOUD_PULLREQUEST_COMMITS, CLOUD_DEFAULT_BRANCH_COMMITS] },
  data_center: { deployment: DATA_CENTER, streams: [DC_DEFAULT_BRANCH_COMMITS, DC_PULLREQUEST_COMMITS] },
};

export const DEPLOYMENT_KEYS = Object.keys(REGISTRY) as DeploymentKey[];

/** A deployment and its streams, typed by the deployment. */
export function deploymentGroup<K extends DeploymentKey>(key: K): (typeof REGISTRY)[K] {
  return REGISTRY[key];
}

/** Every stream, in registry order. */
export const STREAMS: readonly AnyStreamDefinition[] = DEPLOYMENT_KEYS.flatMap(
  (k) => REGISTRY[k].streams as AnyStreamDefinition[],
);

/** The title of a deployment ("Bitbucket Cloud"). */
export function deploymentTitle(key: DeploymentKey): string {
  return REGISTRY[key].deployment.title;
}
