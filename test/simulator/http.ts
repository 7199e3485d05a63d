import http from "node:http";
import type { Simulator } from "../../integration_tests/simulator/index.js";

// Small HTTP helpers for simulator tests: real requests over loopback, nothing mocked.

export interface Got<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export async function get<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<Got<T>> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

export const cloudAuth = (sim: Simulator) => bearer(sim.credentials.cloud.accessToken);
export const dcAdmin = (sim: Simulator) => basic(sim.credentials.dc.username, sim.credentials.dc.password);
export const dcApi = (sim: Simulator) => `${sim.dcUrl}/rest/api/1.0`;

/** GET with an explicit Host header (fetch may not set it). */
export function getWithHost(url: string, host: string, headers: Record<string, string>): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, text, json: JSON.parse(text) as unknown });
      });
    });
    req.on("error", reject);
  });
}

export interface CloudPage<T = Record<string, unknown>> {
  values: T[];
  next?: string;
  pagelen: number;
  size?: number;
  page?: number;
}

/** Follows `next` links from `url`; returns every page. */
export async function followCloud<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string>,
): Promise<CloudPage<T>[]> {
  const pages: CloudPage<T>[] = [];
  let next: string | undefined = url;
  while (next) {
    const r: Got<CloudPage<T>> = await get<CloudPage<T>>(next, headers);
    if (r.status !== 200) throw new Error(`GET ${next} -> ${r.status} ${r.text}`);
    pages.push(r.json);
    next = r.json.next;
  }
  return pages;
}

export interface DcPage<T = Record<string, unknown>> {
  size: number;
  limit: number;
  isLastPage: boolean;
  values: T[];
  start: number;
  nextPageStart?: number;
}

/** Follows `nextPageStart` from `url` (which must not carry `start`); returns every page. */
export async function followDc<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string>,
): Promise<DcPage<T>[]> {
  const pages: DcPage<T>[] = [];
  let start: number | undefined = 0;
  while (start !== undefined) {
    const sep = url.includes("?") ? "&" : "?";
    const r: Got<DcPage<T>> = await get<DcPage<T>>(`${url}${sep}start=${start}`, headers);
    if (r.status !== 200) throw new Error(`GET ${url} start=${start} -> ${r.status} ${r.text}`);
    pages.push(r.json);
    start = r.json.isLastPage ? undefined : r.json.nextPageStart;
  }
  return pages;
}
