import { STREAMS } from "../streams/registry.js";
import { VERSION } from "../version.js";

/** The tap's help text, loaded only when asked for (it names the streams, which brings their code). */
export const HELP = `tap-bitbucket-commits ${VERSION}: Singer tap for Bitbucket Cloud and Data Center commits.

Usage:
  tap-bitbucket-commits --config FILE --discover > catalog.json
  tap-bitbucket-commits --config FILE [--catalog FILE] [--state FILE] > messages.jsonl

Options:
  -c, --config FILE       The connector's config (the same JSON as source-bitbucket). Required.
  -d, --discover          Print the catalog (the streams of each configured deployment, each
                          selected) as one JSON document, and exit.
  --catalog FILE          Read only the streams this catalog selects ("selected": true in the
                          root metadata, or the legacy "selected": true in the schema),
                          leaving out the fields it deselects (key and cursor fields stay).
                          Without a catalog, every configured stream is read whole.
  -p, --properties FILE   The legacy name of --catalog.
  -s, --state FILE        Resume from a state: the value of the last STATE message
                          ({"bookmarks": {...}}), the whole STATE message, or {}.
  -h, --help              Show this help.
  --version               Print the version.

Streams (config section):
${STREAMS.map((s) => `  ${s.info.name} (${s.deployment})`).join("\n")}

Replication is always INCREMENTAL; without a state it is a full first read.
stdout carries SCHEMA, RECORD and STATE messages, one JSON object per line; logs go to stderr.
Exit codes: 0 success, 1 a stream failed (the others were still read), 2 bad input,
130/143 cancelled by SIGINT/SIGTERM (after a final STATE).`;
