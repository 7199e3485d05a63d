import type { Auth } from "./settings.js";

/** The Authorization header for a credential: Bearer for tokens, Basic for user + secret. */
export function authorizationHeader(auth: Auth): string {
  if (auth.kind === "bearer") return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}
