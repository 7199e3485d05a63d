/**
 * The options the image gives node (its exec-form ENTRYPOINT, between `node` and the script), so
 * that the benchmark measures the connector as it is shipped.
 */
export function imageNodeFlags(dockerfile: string): string[] {
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (!line) throw new Error("the Dockerfile has no exec-form ENTRYPOINT");
  const argv = JSON.parse(line) as string[];
  if (argv[0] !== "node") throw new Error(`the ENTRYPOINT does not start node: ${line}`);
  return argv.slice(1, -1);
}
