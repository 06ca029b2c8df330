/**
 * An administrator anywhere in the app hears at once when HummDesk disables one of the account's
 * webhooks (its receiver answered 410 Gone, or nothing got through for days): a notice naming
 * the URL and why, pointing to Settings › Webhooks. Only administrators receive the event.
 */
import { useToast } from 'primevue/usetoast';
import { onBeforeUnmount } from 'vue';
import { useRealtime } from '../stores/realtime';

const NOTICE_MS = 30_000;

export function useWebhookNotices() {
  const toast = useToast();
  const stop = useRealtime().on('webhook:disabled', ({ data }) => {
    toast.add({
      severity: 'warn',
      summary: 'A webhook was disabled',
      detail: `${data.webhook.url}: ${data.webhook.disabledReason ?? 'disabled'}. Settings › Webhooks shows its deliveries; enable it again once the receiver is fixed.`,
      life: NOTICE_MS,
    });
  });
  onBeforeUnmount(stop);
}
