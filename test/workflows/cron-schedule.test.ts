import t from 'tap';
import type { DoganError } from '@dogan/runtime';
import { parseCron } from '@dogan/tenants';
import { cronNeverFires, zonedCron } from '../../plugins/workflows/src/definition/index.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

t.test('0 9 * * * in Asia/Riyadh fires at 06:00Z', async (t) => {
  const cron = zonedCron('0 9 * * *', 'Asia/Riyadh');
  t.equal(iso(cron.latestAtOrBefore(at('2026-03-01T05:59:59Z'))), '2026-02-28T06:00:00.000Z', 'just before: yesterday');
  t.equal(iso(cron.latestAtOrBefore(at('2026-03-01T06:00:00Z'))), '2026-03-01T06:00:00.000Z', 'at 06:00Z: today, at or before');
  t.equal(iso(cron.latestAtOrBefore(at('2026-03-01T06:00:30Z'))), '2026-03-01T06:00:00.000Z');
  t.equal(iso(cron.nextAfter(at('2026-03-01T05:59:59Z'))), '2026-03-01T06:00:00.000Z');
  t.equal(iso(cron.nextAfter(at('2026-03-01T06:00:00Z'))), '2026-03-02T06:00:00.000Z', 'strictly after');
  // Midnight in Riyadh is 21:00Z the day before: the day fields are read in Riyadh.
  const sunday = zonedCron('0 0 * * 0', 'Asia/Riyadh');
  t.equal(iso(sunday.nextAfter(at('2026-03-01T00:00:00Z'))), '2026-03-07T21:00:00.000Z', 'Sunday 8 March 00:00 in Riyadh');
});

t.test('Europe/Berlin across the March change: the missing hour is skipped', async (t) => {
  // 31 March 2024: 02:00 CET becomes 03:00 CEST (01:00Z).
  const daily = zonedCron('30 2 * * *', 'Europe/Berlin');
  t.equal(iso(daily.nextAfter(at('2024-03-30T12:00:00Z'))), '2024-04-01T00:30:00.000Z', '02:30 does not exist on the 31st');
  t.equal(iso(daily.latestAtOrBefore(at('2024-03-31T23:59:00Z'))), '2024-03-30T01:30:00.000Z');
  const hourly = zonedCron('0 * * * *', 'Europe/Berlin');
  t.equal(iso(hourly.nextAfter(at('2024-03-31T00:00:00Z'))), '2024-03-31T01:00:00.000Z', '01:00 CET, then 03:00 CEST');
  const nine = zonedCron('0 9 * * *', 'Europe/Berlin');
  t.equal(iso(nine.nextAfter(at('2024-03-30T00:00:00Z'))), '2024-03-30T08:00:00.000Z', '09:00 CET');
  t.equal(iso(nine.nextAfter(at('2024-03-30T08:00:00Z'))), '2024-03-31T07:00:00.000Z', '09:00 CEST');
  t.equal(iso(nine.latestAtOrBefore(at('2024-03-31T07:59:00Z'))), '2024-03-31T07:00:00.000Z');
});

t.test('Europe/Berlin across the October change: the repeated hour fires once', async (t) => {
  // 27 October 2024: 03:00 CEST becomes 02:00 CET (01:00Z); 02:xx happens at 00:xxZ and at 01:xxZ.
  const daily = zonedCron('30 2 * * *', 'Europe/Berlin');
  t.equal(iso(daily.nextAfter(at('2024-10-26T12:00:00Z'))), '2024-10-27T00:30:00.000Z', 'the first 02:30');
  t.equal(iso(daily.nextAfter(at('2024-10-27T00:30:00Z'))), '2024-10-28T01:30:00.000Z', 'not the second');
  t.equal(iso(daily.latestAtOrBefore(at('2024-10-27T01:45:00Z'))), '2024-10-27T00:30:00.000Z', 'seen from inside the repeated hour');
  const hourly = zonedCron('0 * * * *', 'Europe/Berlin');
  t.equal(iso(hourly.nextAfter(at('2024-10-27T00:00:00Z'))), '2024-10-27T02:00:00.000Z', '02:00 CEST, then 03:00 CET');
  t.equal(iso(hourly.latestAtOrBefore(at('2024-10-27T01:30:00Z'))), '2024-10-27T00:00:00.000Z');
});

t.test('in UTC it agrees with the platform parser', async (t) => {
  const expressions = ['0 9 * * *', '*/15 8-17 * * 1-5', '0 0 1 * *', '5 4 * * 0', '0 0 29 2 *', '0 12 13 * 5'];
  const dates = ['2026-03-01T00:00:00Z', '2026-07-15T12:34:56Z', '2027-12-31T23:59:00Z', '2028-02-29T00:00:00Z'];
  for (const expression of expressions) {
    const utc = parseCron(expression);
    const zoned = zonedCron(expression, 'UTC');
    for (const d of dates) t.equal(iso(zoned.latestAtOrBefore(at(d))), iso(utc.latestAtOrBefore(at(d), 8 * 366)), `${expression} at ${d}`);
  }
});

t.test('nextAfter and latestAtOrBefore are each other’s mirror', async (t) => {
  const cron = zonedCron('*/20 6-8 * * 0-4', 'Asia/Riyadh');
  let cursor = at('2026-03-01T00:00:00Z');
  for (let i = 0; i < 30; i++) {
    const next = cron.nextAfter(cursor)!;
    t.ok(next.getTime() > cursor.getTime());
    t.equal(iso(cron.latestAtOrBefore(next)), iso(next));
    t.equal(iso(cron.latestAtOrBefore(new Date(next.getTime() - 1))), i === 0 ? iso(cron.latestAtOrBefore(cursor)) : iso(cursor));
    cursor = next;
  }
});

t.test('never fires: 30 February and 31 April; 29 February does', async (t) => {
  const from = at('2026-03-01T00:00:00Z');
  t.equal(cronNeverFires('0 0 30 2 *', 'Asia/Riyadh', from), true);
  t.equal(cronNeverFires('0 0 31 4 *', 'UTC', from), true);
  t.equal(cronNeverFires('0 0 29 2 *', 'Asia/Riyadh', from), false);
  t.equal(iso(zonedCron('0 0 29 2 *', 'Asia/Riyadh').nextAfter(from)), '2028-02-28T21:00:00.000Z');
  t.equal(cronNeverFires('0 0 29 2 *', 'UTC', at('2097-03-01T00:00:00Z')), false, '2100 is skipped, 2104 is within 8 years');
  t.equal(zonedCron('0 0 30 2 *', 'UTC').latestAtOrBefore(from), undefined);
  // Day of month OR day of week, as in standard cron: 30 February or any Monday.
  t.equal(cronNeverFires('0 0 30 2 1', 'UTC', from), false);
});

t.test('a bad expression or zone is a coded error', async (t) => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as DoganError).code;
    }
    return undefined;
  };
  t.equal(codeOf(() => zonedCron('0 9 * *', 'UTC')), 'WORKFLOW_CRON_INVALID');
  t.equal(codeOf(() => zonedCron('0 25 * * *', 'UTC')), 'WORKFLOW_CRON_INVALID');
  t.equal(codeOf(() => zonedCron('0 9 * * *', 'Asia/Atlantis')), 'WORKFLOW_TIMEZONE_INVALID');
});
