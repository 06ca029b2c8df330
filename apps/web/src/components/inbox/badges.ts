/** Colours of priority and sentiment badges (PrimeVue Tag severities). */
export const prioritySeverity: Record<string, 'danger' | 'warn' | 'info' | 'secondary'> = {
  urgent: 'danger',
  high: 'warn',
  medium: 'info',
  low: 'secondary',
  none: 'secondary',
};

export const sentimentSeverity: Record<string, 'danger' | 'warn' | 'success' | 'secondary'> = {
  angry: 'danger',
  frustrated: 'warn',
  negative: 'warn',
  neutral: 'secondary',
  positive: 'success',
};

export function age(iso: string): string {
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return 'now';
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)}h`;
  return `${Math.round(minutes / 1440)}d`;
}

export const PRIORITIES = ['urgent', 'high', 'medium', 'low', 'none'] as const;
