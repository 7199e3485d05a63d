import type { Auth } from "../http/settings.js";

export const DC_PULL_REQUEST_STATES = ["OPEN", "MERGED", "DECLINED"] as const;
export type DcPullRequestState = (typeof DC_PULL_REQUEST_STATES)[number];

/** What the Data Center streams need to know, filled in by the config layer. */
export interface DcSettings {
  url: string;
  auth: Auth;
  projects?: string[] | undefined;
  repositories?: DcRepository[] | undefined;
  pullRequestStates: DcPullRequestState[];
  caCertificate?: string | undefined;
}

export interface DcRepository {
  project: string;
  slug: string;
}
