import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "integration_tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests spawn the built connector and a simulator; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
