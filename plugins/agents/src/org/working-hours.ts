import { AgentErrors } from '../errors.js';
import type { IsoWeekday, WorkingHours, WorkingHoursInput, WorkingWindow } from './agent.js';

/** Windows one agent's week may have: three a day. */
export const MAX_WORKING_WINDOWS = 21;

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutes(value: string, isEnd: boolean): number | undefined {
  if (isEnd && value === '24:00') return 24 * 60;
  const m = HH_MM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Sunday first, as a Saudi reader lists the week (ISO 7, then 1 to 6). */
const weekOrder = (day: number) => day % 7;

/**
 * Checks an agent's weekly hours and returns them Sunday first, each day's windows in order. Throws
 * AGENT_WORKING_HOURS_INVALID for a malformed time, an end not after its start (overnight windows
 * are two: one until 24:00, one from 00:00), windows of a day that overlap, or no window at all.
 */
export function checkWorkingHours(hours: WorkingHoursInput): WorkingHours {
  if (hours.days.length === 0) throw AgentErrors.AGENT_WORKING_HOURS_INVALID('have no window');
  if (hours.days.length > MAX_WORKING_WINDOWS) throw AgentErrors.AGENT_WORKING_HOURS_INVALID(`have ${hours.days.length} windows, more than ${MAX_WORKING_WINDOWS}`);
  const spans = hours.days.map((w) => {
    const shown = `${w.start}-${w.end}`;
    if (!Number.isInteger(w.day) || w.day < 1 || w.day > 7) throw AgentErrors.AGENT_WORKING_HOURS_INVALID(`name day ${String(w.day)}; days are ISO weekdays, 1 (Monday) to 7 (Sunday)`);
    const start = minutes(w.start, false);
    const end = minutes(w.end, true);
    if (start === undefined || end === undefined) throw AgentErrors.AGENT_WORKING_HOURS_INVALID(`have ${shown}, which is not HH:mm to HH:mm`);
    if (end <= start) throw AgentErrors.AGENT_WORKING_HOURS_INVALID(`have ${shown} on day ${w.day}, which ends before it starts`);
    return { window: { day: w.day as IsoWeekday, start: w.start, end: w.end } satisfies WorkingWindow, start, end };
  });
  spans.sort((a, b) => weekOrder(a.window.day) - weekOrder(b.window.day) || a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const before = spans[i - 1]!;
    const after = spans[i]!;
    if (before.window.day === after.window.day && after.start < before.end) {
      throw AgentErrors.AGENT_WORKING_HOURS_INVALID(`overlap on day ${after.window.day}: ${before.window.start}-${before.window.end} and ${after.window.start}-${after.window.end}`);
    }
  }
  return { timezone: hours.timezone ?? null, days: spans.map((s) => s.window) };
}
