import { STREAMS } from "./streams/registry.js";
import { VERSION } from "./version.js";

/**
 * The Airbyte bin's help texts, loaded only when asked for (they name the streams, and the
 * registry that lists them brings every stream's code).
 */
export const USAGE: Record<string, string> = {
  spec: "source-bitbucket spec\n  Print the connector's specification (the config it accepts) as an Airbyte SPEC message.",
  check:
    "source-bitbucket check --config FILE\n  Validate the credentials and access of every configured deployment; prints one CONNECTION_STATUS.",
  discover:
    "source-bitbucket discover --config FILE\n  Print the catalog: the streams of each configured deployment.",
  read: "source-bitbucket read --config FILE --catalog FILE [--state FILE]\n  Read the catalog's streams, resuming from the state when given; prints RECORD, STATE, TRACE and LOG messages.",
};

export const HELP = `source-bitbucket ${VERSION}: Airbyte source for Bitbucket Cloud and Data Center commits.

Usage:
${Object.values(USAGE)
  .map((u) => `  ${u.replace(/\n/g, "\n  ")}`)
  .join("\n\n")}

Streams (config section):
${STREAMS.map((s) => `  ${s.info.name} (${s.deployment})`).join("\n")}

Options:
  --help       Show help (also after a command)
  --version    Print the version

Messages are JSON lines on stdout (Airbyte protocol). Exit codes: 0 success, 1 a stream failed,
2 bad input, 130/143 cancelled by SIGINT/SIGTERM (after a final STATE).`;
