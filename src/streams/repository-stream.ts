import type { z } from "zod";
import type { StreamInfo } from "../protocol/output.js";
import type { DeploymentKey, RepositoryOf, StreamEnv } from "./definition.js";
import type { ErrorCase, PartitionEvent, ReadContext, Stream } from "./stream.js";

/**
 * A stream whose partitions are its deployment's repositories, as every stream here is: the
 * shared listing, the repository's key, and the deployment's "a listed repository is gone since"
 * case come from the deployment. A stream adds what it reads and its partition state.
 */
export abstract class RepositoryStream<K extends DeploymentKey, S> implements Stream<RepositoryOf<K>, S> {
  abstract readonly info: StreamInfo;
  abstract readonly partitionState: z.ZodType<S>;
  readonly errorCases: readonly ErrorCase[];

  constructor(protected readonly env: StreamEnv<K>) {
    this.errorCases = [env.repositoryGone];
  }

  partitions(): AsyncIterable<RepositoryOf<K>> {
    return this.env.repositories();
  }

  partitionKey(r: RepositoryOf<K>): string {
    return this.env.repositoryKey(r);
  }

  abstract read(
    repo: RepositoryOf<K>,
    state: S | undefined,
    ctx: ReadContext,
  ): AsyncIterable<PartitionEvent<S>>;
}
