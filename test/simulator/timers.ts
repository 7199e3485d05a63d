import { createHook } from "node:async_hooks";

// Which timers created since `watchTimers()` are still pending and would keep the process alive.
// Counting process.getActiveResourcesInfo() is not enough: vitest's own timers come and go.

export interface TimerWatch {
  /** Timers created since the watch began, not yet fired or cleared, that hold the event loop. */
  pending(): number;
  stop(): void;
}

export function watchTimers(): TimerWatch {
  const live = new Map<number, NodeJS.Timeout>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === "Timeout") live.set(id, resource as NodeJS.Timeout);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    pending: () => [...live.values()].filter((t) => t.hasRef()).length,
    stop: () => {
      hook.disable();
    },
  };
}

/** Waits until `check` holds (polling between turns of the event loop), or fails after `ms`. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r));
  }
}
