/**
 * The emit limit: records per second at which the output layer writes a sample of records to
 * /dev/null through a stream on its descriptor, as the connector writes stdout. Run in a process
 * of its own (`node --import tsx bench/emit-limit.ts <sample.jsonl>`), so that the benchmark's
 * heap (the simulator's data, a read's output just examined) does not slow it: in the
 * benchmark's process the figure swung from 0.1 to 1.5 million records/s between runs.
 * Prints the median of five one-second rounds after a warm-up one.
 */
import { createWriteStream, openSync, readFileSync } from "node:fs";
import { AirbyteOutput } from "../src/protocol/airbyte-output.js";
import type { JsonObject } from "../src/protocol/messages.js";
import { batchSize, type RecordBatch } from "../src/protocol/records.js";
import { Redactor } from "../src/protocol/redact.js";
import { batchOf } from "../test/helpers/clients.js";

const sample = readFileSync(process.argv[2] ?? "", "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as { stream: string; data: JsonObject });

const sink = createWriteStream("", { fd: openSync("/dev/null", "w") });
const out = new AirbyteOutput(sink, new Redactor());
const byStream = new Map<string, JsonObject[]>();
for (const s of sample) {
  const list = byStream.get(s.stream) ?? [];
  list.push(s.data);
  byStream.set(s.stream, list);
}
// Batches of 100 records as the connector hands them on: each record's own bytes, no context (the
// sample's records hold theirs), spliced.
const batches = [...byStream].flatMap(([stream, recs]) => {
  const list: [string, RecordBatch][] = [];
  for (let i = 0; i < recs.length; i += 100) list.push([stream, batchOf(recs.slice(i, i + 100))]);
  return list;
});

async function round(): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    for (const [stream, batch] of batches) {
      await out.records(stream, batch);
      n += batchSize(batch);
    }
  }
  await out.flush();
  return n / ((performance.now() - t0) / 1000);
}

await round(); // warm-up: JIT and buffers
const rates: number[] = [];
for (let i = 0; i < 5; i++) rates.push(await round());
rates.sort((a, b) => a - b);
process.stdout.write(`${rates[2]}\n`);
sink.end();
