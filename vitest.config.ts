import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "integration_tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests spawn the built connector and a simulator; two cores do not gain from more workers.
    maxWorkers: 2,
    // Test files share each worker's loaded modules instead of importing the simulator and the
    // sources again per file (50 s of a 4-minute run). No test mocks modules, stubs globals or
    // changes the environment, so nothing carries from one file to the next.
    isolate: false,
  },
});
