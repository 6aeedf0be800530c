/**
 * Long loops on the event loop hand it back every few ms, so that a service keeps answering
 * (/api/health, every other request) while one campaign starts or plans. Hand-written: a
 * time-sliced loop is one timer check, no library offers less.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Work between two turns of the event loop, in ms. */
export const TURN_MS = 8;

/**
 * A pause to await between pieces of work: a macrotask turn once `everyMs` have passed since the
 * last one (I/O and timers run then), nothing otherwise. One per loop: it keeps its own clock.
 */
export function turnTaker(everyMs = TURN_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < everyMs) return;
    await nextTurn();
    since = performance.now();
  };
}

/** Runs work written as steps (a generator that yields where a pause is allowed) to its end at once. */
export function runSteps<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs the same steps awaiting `pause` between them (a turnTaker's, so a turn every few ms). */
export async function runStepsInTurns<T>(steps: Generator<unknown, T>, pause: () => Promise<void> = turnTaker()): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}
