/** When the snooze presets wake a conversation, in the agent's own time zone. */
export function snoozePresets(now = new Date()) {
  const at = (days: number, hour: number) => {
    const date = new Date(now);
    date.setDate(date.getDate() + days);
    date.setHours(hour, 0, 0, 0);
    return date;
  };
  // Monday 9:00 of next week; on a Sunday that is tomorrow.
  const toMonday = (8 - now.getDay()) % 7 || 7;
  return [
    { label: 'For an hour', until: new Date(now.getTime() + 3_600_000) },
    { label: 'Until tomorrow, 9:00', until: at(1, 9) },
    { label: 'Until next week, Monday 9:00', until: at(toMonday, 9) },
  ];
}
