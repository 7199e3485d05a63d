import { hash32, hashString, hexOf, pickBy, Rng, uuidOf } from "./hash.js";

// Word lists and people. Names include non-ASCII ones on purpose: the connector must carry UTF-8
// through untouched.

const FIRST = [
  "Alice",
  "Bruno",
  "Chloé",
  "Dmitri",
  "Elena",
  "Farid",
  "Grace",
  "Hiroshi",
  "Ingrid",
  "Jamal",
  "Katarzyna",
  "Liam",
  "Mei",
  "Noah",
  "Olga",
  "Pedro",
  "Quinn",
  "Rania",
  "Søren",
  "Tomás",
  "Uma",
  "Viktor",
  "Wen",
  "Ximena",
  "Yusuf",
  "Zoë",
] as const;
const LAST = [
  "Anderson",
  "Bauer",
  "Costa",
  "Dubois",
  "Eriksen",
  "Fischer",
  "García",
  "Hansen",
  "Ivanova",
  "Jensen",
  "Kowalski",
  "López",
  "Müller",
  "Nakamura",
  "O'Brien",
  "Petrov",
  "Rossi",
  "Schmidt",
  "Tanaka",
  "Usman",
  "Virtanen",
  "Wang",
  "Yilmaz",
  "Zhang",
] as const;
/** People whose commit e-mail is not linked to any account (bots, personal addresses). */
const UNMAPPED = [
  { name: "build-bot", email: "build-bot@ci.acme.internal" },
  { name: "renovate[bot]", email: "bot@renovateapp.com" },
  { name: "孙婉译", email: "swy@example.cn" },
  { name: "root", email: "root@localhost.localdomain" },
  { name: "Dependabot", email: "support@dependabot.example" },
  { name: "J. Random Hacker", email: "jrh@users.noreply.example.org" },
] as const;

export interface Person {
  displayName: string;
  nickname: string;
  email: string;
  uuid: string;
  accountId: string;
  avatarHash: string;
  /** Bitbucket Data Center numeric user id. */
  dcId: number;
}

export interface UnmappedPerson {
  name: string;
  email: string;
}

function ascii(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/g, "o")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

/** A deterministic population: `mapped` people with accounts, plus personal addresses without one. */
export function makePeople(
  seed: number,
  salt: string,
  count: number,
): { mapped: Person[]; unmapped: UnmappedPerson[] } {
  const rng = new Rng(hash32(seed, hashString(salt)));
  const mapped: Person[] = [];
  const used = new Set<string>();
  while (mapped.length < count) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const displayName = `${first} ${last}`;
    if (used.has(displayName)) continue;
    used.add(displayName);
    const nickname = `${ascii(first).slice(0, 1)}${ascii(last)}`;
    const h = rng.next();
    mapped.push({
      displayName,
      nickname,
      email: `${ascii(first)}.${ascii(last)}@acme.example`,
      uuid: uuidOf(h),
      accountId: `557058:${uuidOf(hash32(h, 1)).slice(1, -1)}`,
      avatarHash: hexOf(hash32(h, 2), 32),
      dcId: 100 + mapped.length,
    });
  }
  // Half of the unmapped addresses are real people committing from a personal e-mail.
  const unmapped: UnmappedPerson[] = UNMAPPED.map((p) => ({ name: p.name, email: p.email }));
  for (let i = 0; i < 4 && i < mapped.length; i++) {
    const p = mapped[(i * 5) % mapped.length];
    if (p) unmapped.push({ name: p.displayName, email: `${p.nickname}.${i}@personal.example` });
  }
  return { mapped, unmapped };
}

const TYPES = ["feat", "fix", "chore", "refactor", "test", "docs", "perf", "build", "ci"] as const;
const SCOPES = ["api", "auth", "db", "ui", "deps", "core", "cli", "config", "build", "i18n"] as const;
const VERBS = [
  "add",
  "handle",
  "remove",
  "rename",
  "simplify",
  "cache",
  "validate",
  "log",
  "retry",
  "document",
] as const;
const OBJECTS = [
  "pagination cursor",
  "null user avatar",
  "timezone offsets",
  "empty responses",
  "rate-limit headers",
  "feature flag",
  "connection pool",
  "error envelope",
  "unicode branch names",
  "stale cache entries",
  "webhook payload",
  "retry budget",
  "config loader",
  "CSV export",
  "login redirect",
] as const;
const BODIES = [
  "The previous behaviour dropped the last page when the server skipped offsets.",
  "Übersetzungen aktualisiert; Umlaute bleiben erhalten.",
  "See the incident review for details.\n\nCo-authored-by: build-bot <build-bot@ci.acme.internal>",
  "修复 登录 重定向",
  "Reverts part of the earlier change; keeps the tests.",
] as const;

/** A commit message (no trailing newline) that is a pure function of `h`. */
export function commitMessage(h: number): string {
  const type = pickBy(TYPES, h);
  const scope = pickBy(SCOPES, hash32(h, 1));
  const subject = `${type}(${scope}): ${pickBy(VERBS, hash32(h, 2))} ${pickBy(OBJECTS, hash32(h, 3))}`;
  const r = hash32(h, 4) % 10;
  if (r < 6) return subject;
  const issue = `Refs: ${pickBy(["PLAT", "DATA", "OPS", "WEB"], hash32(h, 5))}-${(hash32(h, 6) % 4000) + 1}`;
  if (r < 8) return `${subject}\n\n${issue}`;
  return `${subject}\n\n${pickBy(BODIES, hash32(h, 7))}\n\n${issue}`;
}

const REPO_NOUNS = [
  "gateway",
  "billing",
  "checkout",
  "pipeline",
  "catalog",
  "search",
  "auth",
  "ledger",
  "notifier",
  "scheduler",
  "inventory",
  "reports",
  "profile",
  "payments",
  "analytics",
  "mailer",
  "storage",
  "metrics",
  "importer",
  "exporter",
  "portal",
  "console",
  "worker",
  "registry",
  "proxy",
] as const;
const REPO_SUFFIXES = ["service", "api", "web", "lib", "jobs", "sdk", "ui", "infra", "tools", "app"] as const;

/** Unique, readable repository slugs for generated (non-showcase) data: "gateway-service", ... */
export function generatedRepoSlug(index: number): string {
  const noun = REPO_NOUNS[index % REPO_NOUNS.length] ?? "repo";
  const suffix = REPO_SUFFIXES[Math.floor(index / REPO_NOUNS.length) % REPO_SUFFIXES.length] ?? "x";
  const round = Math.floor(index / (REPO_NOUNS.length * REPO_SUFFIXES.length));
  return round === 0 ? `${noun}-${suffix}` : `${noun}-${suffix}-${round + 1}`;
}

const PR_TITLES = [
  "Add retry with jitter to the HTTP client",
  "Fix off-by-one in pagination",
  "Bump dependencies",
  "Refactor configuration loading",
  "Support Unicode branch names",
  "Remove deprecated endpoint",
  "Improve error messages",
  "Cache repository metadata",
  "Draft: new onboarding flow",
  "Hotfix: null pointer on empty repository",
  "Migrate CI to new runners",
  "Document the public API",
] as const;

export function pullRequestTitle(h: number): string {
  return pickBy(PR_TITLES, h);
}

const BRANCH_WORDS = [
  "retry",
  "pagination",
  "deps",
  "config",
  "unicode",
  "cleanup",
  "errors",
  "cache",
  "onboarding",
  "ci",
] as const;

export function featureBranchName(h: number, id: number): string {
  const kind = pickBy(["feature", "bugfix", "chore"], h);
  return `${kind}/${pickBy(BRANCH_WORDS, hash32(h, 1))}-${id}`;
}
