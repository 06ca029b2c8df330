/** Keyboard shortcuts on the whole window, for as long as the component is mounted. */
import { onBeforeUnmount, onMounted } from 'vue';

/** A key pressed in a text field or an editable element is text, not a shortcut. */
function isTyping(event: KeyboardEvent) {
  return event.target instanceof HTMLElement && event.target.closest('input, textarea, [contenteditable]') !== null;
}

/** `onKey` gets the keys pressed outside text fields; `whileTyping`, if given, those typed into one (Ctrl+Enter to send). */
export function useHotkeys(onKey: (event: KeyboardEvent) => void, whileTyping?: (event: KeyboardEvent) => void) {
  function listener(event: KeyboardEvent) {
    if (isTyping(event)) whileTyping?.(event);
    else onKey(event);
  }
  onMounted(() => window.addEventListener('keydown', listener));
  onBeforeUnmount(() => window.removeEventListener('keydown', listener));
}
