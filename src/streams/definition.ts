import type { CloudRepository, CloudSettings } from "../cloud/settings.js";
import type { DcRepository, DcSettings } from "../datacenter/settings.js";
import type { Requester } from "../http/client.js";
import type { Auth } from "../http/settings.js";
import type { StreamInfo } from "../protocol/output.js";
import type { ErrorCase, Stream } from "./stream.js";

/** What each kind of deployment is configured with, and what its partitions (repositories) are. */
export interface DeploymentTypes {
  cloud: { settings: CloudSettings; repository: CloudRepository };
  data_center: { settings: DcSettings; repository: DcRepository };
}
export type DeploymentKey = keyof DeploymentTypes;
export type SettingsOf<K extends DeploymentKey> = DeploymentTypes[K]["settings"];
export type RepositoryOf<K extends DeploymentKey> = DeploymentTypes[K]["repository"];

/** A kind of Bitbucket deployment: its server, its repositories, and how check explains failures. */
export interface DeploymentDefinition<K extends DeploymentKey> {
  key: K;
  /** "Bitbucket Cloud": names the server in messages. */
  title: string;
  server(s: SettingsOf<K>): { baseUrl: string; auth: Auth; ca?: string | undefined };
  /** The repositories to read: the configured ones, or every one the credentials can see. */
  repositories(client: Requester, s: SettingsOf<K>): AsyncIterable<RepositoryOf<K>>;
  repositoryKey(r: RepositoryOf<K>): string;
  /** check: the first few repositories (each configured one is asked for). Throws advice. */
  sample(client: Requester, s: SettingsOf<K>): Promise<RepositoryOf<K>[]>;
  /** A listed repository deleted or renamed since the listing: how its error looks (skipped as gone). */
  repositoryGone(s: SettingsOf<K>): ErrorCase;
  /** check: an error of a probe, turned into advice for a user. */
  explain(err: unknown, action: string, scope: string, s: SettingsOf<K>): unknown;
}

/** What a stream is given when a read creates it. */
export interface StreamEnv<K extends DeploymentKey> {
  settings: SettingsOf<K>;
  startDate: Date | undefined;
  /** The deployment's repositories, listed once for all of its streams. */
  repositories: () => AsyncIterable<RepositoryOf<K>>;
  repositoryKey: (r: RepositoryOf<K>) => string;
  /** The deployment's case for a listed repository gone since the listing. */
  repositoryGone: ErrorCase;
}

/** A stream of the registry: what the catalog says of it, how to create it, how check probes it. */
export interface StreamDefinition<K extends DeploymentKey> {
  info: StreamInfo;
  deployment: K;
  /** The config section that enables it, as the help texts say it. */
  create(env: StreamEnv<K>): Stream;
  /**
   * check: asks a few repositories whether a read would find anything. Resolves with undefined
   * when it would, or with a sentence saying why not; throws (advice) when access fails.
   */
  probe(client: Requester, s: SettingsOf<K>, repositories: RepositoryOf<K>[]): Promise<string | undefined>;
}

/** Any stream definition, whatever its deployment. */
export type AnyStreamDefinition = { [K in DeploymentKey]: StreamDefinition<K> }[DeploymentKey];
