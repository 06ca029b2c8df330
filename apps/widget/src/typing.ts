/**
 * The visitor's "is typing" as the agent app expects it (its useCustomerTyping forgets it after
 * 6 s without news, as it forgets a closed tab's): said at once, said again every few seconds
 * while they keep typing, and "stopped" after a quiet moment or when the message goes out.
 */
export const TYPING_REPEAT_MS = 3_000;
export const TYPING_QUIET_MS = 3_000;

export function createTypingSignal(say: (conversationId: number, typing: boolean) => void) {
  let current: { conversationId: number; saidAt: number; quiet: ReturnType<typeof setTimeout> } | null = null;

  function stop() {
    if (!current) return;
    clearTimeout(current.quiet);
    say(current.conversationId, false);
    current = null;
  }

  return {
    /** A keystroke in the composer, for this conversation. */
    input(conversationId: number) {
      if (current && current.conversationId !== conversationId) stop();
      const now = Date.now();
      let saidAt = current?.saidAt ?? Number.NEGATIVE_INFINITY;
      if (current) clearTimeout(current.quiet);
      if (now - saidAt >= TYPING_REPEAT_MS) {
        say(conversationId, true);
        saidAt = now;
      }
      current = { conversationId, saidAt, quiet: setTimeout(stop, TYPING_QUIET_MS) };
    },
    /** They sent the message (or the quiet moment passed): "stopped", once. */
    stop,
  };
}
