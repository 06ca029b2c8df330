import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTypingSignal, TYPING_QUIET_MS, TYPING_REPEAT_MS } from './typing.js';

describe("the visitor's typing signal", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says "typing" at once and again every few seconds while they type, so the agent app (6 s) never forgets it', () => {
    const said: [number, boolean][] = [];
    const signal = createTypingSignal((id, typing) => said.push([id, typing]));
    // A keystroke every half second for ten seconds.
    for (let elapsed = 0; elapsed < 10_000; elapsed += 500) {
      signal.input(7);
      vi.advanceTimersByTime(500);
    }
    const typing = said.filter(([, value]) => value);
    expect(typing.length).toBe(Math.ceil(10_000 / TYPING_REPEAT_MS));
    expect(said.every(([id]) => id === 7)).toBe(true);
    expect(said.some(([, value]) => !value)).toBe(false);
    vi.advanceTimersByTime(TYPING_QUIET_MS);
    expect(said[said.length - 1]).toEqual([7, false]);
  });

  it('says "stopped" once when the message goes out, and for the old conversation when another one starts', () => {
    const said: [number, boolean][] = [];
    const signal = createTypingSignal((id, typing) => said.push([id, typing]));
    signal.input(1);
    signal.stop();
    signal.stop();
    signal.input(1);
    signal.input(2);
    expect(said).toEqual([
      [1, true],
      [1, false],
      [1, true],
      [1, false],
      [2, true],
    ]);
  });
});
