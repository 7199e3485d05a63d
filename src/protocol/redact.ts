import { maskRecords } from "./mask-records.js";
import type { RecordBatch } from "./records.js";

/**
 * Keeps secrets out of everything the connector writes. Every secret of the config (and the
 * encodings of it that travel in headers) is registered once at start-up; every LOG, TRACE and
 * stderr text passes through `redact` before it leaves the process, and every batch of records
 * through `records`.
 */
export class Redactor {
  private secrets: string[] = [];
  private sent: Buffer[] = [];

  /**
   * Registers a secret and its URL-encoded form. Every secret is masked however short: a short
   * one may mask some ordinary text too, which is better than printing it.
   */
  add(secret: string | undefined): void {
    if (!secret) return;
    for (const form of [secret, encodeURIComponent(secret)]) {
      if (!this.secrets.includes(form)) this.secrets.push(form);
    }
    // Longest first, so that a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /**
   * Registers a credential in the exact form it travels in the Authorization header (a token, a
   * Basic credential). Besides texts, it is masked in records: only a server echoing the request
   * can have put it there, and it would otherwise end up in the destination's tables. Other
   * secrets are not looked for in records, where a short one would mask ordinary data.
   */
  addSent(credential: string): void {
    this.add(credential);
    for (const form of new Set([credential, JSON.stringify(credential).slice(1, -1)])) {
      if (form && !this.sent.some((b) => b.toString() === form)) this.sent.push(Buffer.from(form, "utf8"));
    }
  }

  /** The batch with any credential registered by `addSent` masked in its records. */
  records(batch: RecordBatch): RecordBatch {
    return maskRecords(batch, this.sent);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join("****");
    }
    // Belt and braces: never print an Authorization header value, whatever it holds.
    return out.replace(
      /((?:authorization|proxy-authorization)["']?\s*[:=]\s*["']?)(basic|bearer)\s+[^\s"',}]+/gi,
      "$1$2 ****",
    );
  }
}
