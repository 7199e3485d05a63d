import { closeSync, createWriteStream, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineWriter } from "../../src/protocol/line-writer.js";

/** 2,000 distinct lines, written in chunks of about 1 KB (many chunks, each filling the writer). */
async function writeLines(w: LineWriter): Promise<string[]> {
  const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: "x".repeat(i % 97) }));
  for (const l of lines) await w.write(l);
  await w.flush();
  return lines;
}

describe("LineWriter keeps every line whole, whatever holds the chunks it writes", () => {
  it("into a PassThrough read only afterwards (it calls back while it still holds each chunk)", async () => {
    const out = new PassThrough({ highWaterMark: 1 << 30 });
    const lines = await writeLines(new LineWriter(out, 1024));
    out.end();
    const got: Buffer[] = [];
    for await (const c of out) got.push(c as Buffer);
    expect(Buffer.concat(got).toString().split("\n").slice(0, -1)).toEqual(lines);
  });

  it("into a slow writable whose 'drain' comes before its write callback", async () => {
    const got: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        setTimeout(() => {
          got.push(Buffer.from(chunk));
          done();
        }, 1);
      },
    });
    const lines = await writeLines(new LineWriter(out, 1024));
    expect(Buffer.concat(got).toString().split("\n").slice(0, -1)).toEqual(lines);
  });

  it("into a file, through a stream on its descriptor (as stdout redirected to a file)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "line-writer-")), "out.jsonl");
    writeFileSync(file, "");
    const fd = openSync(file, "w");
    const out = createWriteStream("", { fd, autoClose: false });
    const lines = await writeLines(new LineWriter(out, 1024));
    await new Promise<void>((resolve) => out.end(resolve));
    closeSync(fd);
    expect(readFileSync(file, "utf8").split("\n").slice(0, -1)).toEqual(lines);
  });

  it("copies what it is given at once: bytes changed after the call are written as they were", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "line-writer-")), "out.jsonl");
    const fd = openSync(file, "w");
    const out = createWriteStream("", { fd, autoClose: false });
    const w = new LineWriter(out, 1024);
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      const line = Buffer.from(`{"i":${i},"pad":"${"y".repeat(i % 50)}"}\n`);
      const pending = w.writePieces([line.subarray(0, 5), line.subarray(5)]);
      expected.push(line.toString().trimEnd());
      line.fill(0x21); // the caller reuses (or frees) its bytes as soon as the call returns
      await pending;
    }
    await w.flush();
    await new Promise<void>((resolve) => out.end(resolve));
    closeSync(fd);
    expect(readFileSync(file, "utf8").split("\n").slice(0, -1)).toEqual(expected);
  });
});
