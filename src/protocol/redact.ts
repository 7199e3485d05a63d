/**
 * Keeps secrets out of everything the connector writes. Every secret of the config (and the
 * encodings of it that travel in headers) is registered once at start-up; every LOG, TRACE and
 * stderr text passes through `redact` before it leaves the process.
 */
export class Redactor {
  private secrets: string[] = [];

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
