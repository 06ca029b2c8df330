/**
 * Typing, both ways, in the conversation an agent has open (as Chatwoot shows it). The customer's
 * widget says "typing" every few seconds while they type and "stopped" when they stop; a silence
 * also means they stopped (a closed tab says nothing). The agent's composer tells the customer the
 * same way: at most once every few seconds while the agent types, and once when they stop.
 */
import { onBeforeUnmount, ref } from 'vue';
import { useRealtime } from '../stores/realtime';

/** How long "is typing…" stays without a word from the customer. */
const CUSTOMER_SILENCE_MS = 6_000;
/** How often the agent's "typing" is said again while they type. */
const AGENT_REPEAT_MS = 3_000;
/** How long after the last keystroke the agent counts as stopped. */
const AGENT_IDLE_MS = 4_000;

/** Whether the conversation's customer is typing; hears the conversation's room while the view lives. */
export function useCustomerTyping(conversationId: number) {
  const realtime = useRealtime();
  const typing = ref(false);
  let silence: ReturnType<typeof setTimeout> | undefined;

  function set(value: boolean) {
    clearTimeout(silence);
    typing.value = value;
    if (value) silence = setTimeout(() => (typing.value = false), CUSTOMER_SILENCE_MS);
  }

  const leave = realtime.joinRoom(`conversation:${conversationId}`);
  const stop = realtime.on('contact:typing', ({ data }) => {
    if (data.conversationId === conversationId) set(data.typing);
  });
  onBeforeUnmount(() => {
    leave();
    stop();
    clearTimeout(silence);
  });
  /** `stopped()`: their message arrived, so they are no longer typing it. */
  return { typing, stopped: () => set(false) };
}

/** Tells the customer the agent is typing, when `enabled` (a reply, in a conversation that came through a channel). */
export function useAgentTyping(conversationId: number, enabled: () => boolean) {
  const realtime = useRealtime();
  let lastSaid = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;

  function stop() {
    clearTimeout(idle);
    if (lastSaid === 0) return;
    lastSaid = 0;
    realtime.typing(conversationId, false);
  }

  function input() {
    if (!enabled()) return stop();
    const now = Date.now();
    if (now - lastSaid >= AGENT_REPEAT_MS) {
      lastSaid = now;
      realtime.typing(conversationId, true);
    }
    clearTimeout(idle);
    idle = setTimeout(stop, AGENT_IDLE_MS);
  }

  onBeforeUnmount(stop);
  return { input, stop };
}
