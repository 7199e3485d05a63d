import type { z } from "zod";

/**
 * `cloud.credentials.auth_type: ...; start_date: ...`: every problem zod found, each with its
 * field, worded for a user. Used wherever input is validated (config, catalog, state).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const field = i.path.length ? i.path.map(String).join(".") : "(root)";
      return `${field}: ${issueText(i)}`;
    })
    .join("; ");
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === "invalid_union" && "discriminator" in i && i.discriminator) {
    const options =
      "options" in i && Array.isArray(i.options) ? i.options.map((o) => JSON.stringify(o)).join(" or ") : "";
    return `unknown or missing ${String(i.discriminator)}; expected ${options}`;
  }
  if (i.code === "too_big" && "maximum" in i)
    return `must be at most ${String(i.maximum)}${i.origin === "array" ? " items" : ""}`;
  if (i.code === "too_small" && "minimum" in i) {
    if (i.origin === "string" && Number(i.minimum) === 1) return "must not be empty";
    return `must be at least ${String(i.minimum)}${i.origin === "array" ? " items" : ""}`;
  }
  if (i.code === "invalid_type") {
    return i.message.includes("received undefined")
      ? "is required"
      : i.message.replace(/^Invalid input: /, "");
  }
  return i.message;
}
