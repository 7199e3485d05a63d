import type { Auth } from "../http/settings.js";

export const PULL_REQUEST_STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

export const CHANGE_DETECTION = ["every_repository", "recently_pushed"] as const;
export type ChangeDetection = (typeof CHANGE_DETECTION)[number];

/** What the Cloud streams need to know, filled in by the config layer. */
export interface CloudSettings {
  workspace: string;
  auth: Auth;
  repositories?: string[] | undefined;
  pullRequestStates: PullRequestState[];
  apiUrl: string;
  /** Which repositories the Cloud streams read: all, or those pushed since their last check plus a rotating slice. */
  changeDetection: ChangeDetection;
  /** recently_pushed: every repository is read at least once in this many syncs. */
  fullSweepSyncs: number;
}

export interface CloudRepository {
  workspace: string;
  slug: string;
  /** When the listing gave it: the repository's updated_on, which moves when anything is pushed. */
  updatedOn?: string | undefined;
  /** When the listing gave it: the main branch's name (null: an empty repository, none yet). */
  mainBranch?: string | null | undefined;
  /**
   * When the listing gave it: the server's clock (ms) when its page was asked for, no later than
   * what the page shows (a push after it may be missing from the page).
   */
  listedAt?: number | undefined;
}
