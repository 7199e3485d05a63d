import { batchSize, type RecordBatch, recordBytes } from "./records.js";

const MASK = Buffer.from("****");

/**
 * The batch with every occurrence of `secrets` in its records' bytes replaced by `****`. Records
 * leave as the server's own bytes, so a server that echoes the request (a debug handler, a field
 * copied from the headers) would put the connector's credential into the data. Nearly always
 * nothing is found, and the batch is returned as it is after one native search per secret.
 */
export function maskRecords(batch: RecordBatch, secrets: readonly Buffer[]): RecordBatch {
  const n = batchSize(batch);
  if (n === 0 || secrets.length === 0) return batch;
  const from = batch.spans[0]!;
  const to = batch.spans[2 * n - 1]!;
  const region = batch.bytes.subarray(from, to);
  if (!secrets.some((s) => region.includes(s))) return batch;
  const parts: Buffer[] = [];
  const spans = new Uint32Array(2 * n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const masked = maskAll(recordBytes(batch, i), secrets);
    parts.push(masked);
    spans[2 * i] = at;
    at += masked.length;
    spans[2 * i + 1] = at;
  }
  return { ...batch, bytes: Buffer.concat(parts, at), spans };
}

/** `bytes` with each secret replaced by the mask; `bytes` itself when none occurs. */
function maskAll(bytes: Buffer, secrets: readonly Buffer[]): Buffer {
  let out = bytes;
  for (const secret of secrets) {
    let i = out.indexOf(secret);
    if (i < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (i >= 0) {
      parts.push(out.subarray(from, i), MASK);
      from = i + secret.length;
      i = out.indexOf(secret, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}
