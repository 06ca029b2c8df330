import { describe, expect, it } from 'vitest';
import { snoozePresets } from './snooze';

const at = (iso: string) => snoozePresets(new Date(iso)).map((preset) => preset.until.toString());
const local = (y: number, m: number, d: number, h: number, min = 0) => new Date(y, m - 1, d, h, min).toString();

describe('snooze presets', () => {
  it('wakes in an hour, tomorrow at 9:00 and on Monday at 9:00, in local time', () => {
    // Wednesday 25 November 2026, 16:30 local time.
    expect(at(new Date(2026, 10, 25, 16, 30).toISOString())).toEqual([local(2026, 11, 25, 17, 30), local(2026, 11, 26, 9), local(2026, 11, 30, 9)]);
  });

  it('takes "next week" from a Monday to the Monday after, and from a Sunday to the next day', () => {
    expect(at(new Date(2026, 10, 30, 8).toISOString())[2]).toBe(local(2026, 12, 7, 9));
    expect(at(new Date(2026, 10, 29, 20).toISOString())[2]).toBe(local(2026, 11, 30, 9));
  });

  it('crosses the end of a month and a year', () => {
    expect(at(new Date(2026, 11, 31, 22).toISOString())[1]).toBe(local(2027, 1, 1, 9));
  });
});
