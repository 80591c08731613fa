import t from 'tap';
import { parseCron } from '@dogan/tenants';
import { cadenceOf, scheduleProblem } from '../../tenants/src/scheduling/cadence.js';

/**
 * Due times are fixed instants every node computes alike: multiples of an interval since the epoch,
 * or the minutes a UTC cron matches (on a clock whose minute tests may shorten). Missed counts are the
 * due times strictly between two claims.
 */

const at = (iso: string) => new Date(iso).getTime();

t.test('an interval is due at its multiples since the epoch, whenever a node started', async (t) => {
  const every5s = cadenceOf({ intervalMs: 5_000 });
  t.equal(every5s.latestDue(at('2026-03-10T12:00:07.300Z')), at('2026-03-10T12:00:05Z'));
  t.equal(every5s.latestDue(at('2026-03-10T12:00:05Z')), at('2026-03-10T12:00:05Z'), 'a due time is due at its own instant');
  t.equal(every5s.countBetween(at('2026-03-10T12:00:00Z'), at('2026-03-10T12:00:05Z')), 0, 'consecutive due times: none missed');
  t.equal(every5s.countBetween(at('2026-03-10T12:00:00Z'), at('2026-03-10T12:00:30Z')), 5, 'five due times between them');
  t.equal(every5s.countBetween(at('2026-03-10T12:00:00Z'), at('2026-03-10T12:00:30Z'), 3), 3, 'counted up to the cap');
  t.equal(every5s.periodMs, 5_000);
});

t.test('a cron is due at the start of each matching UTC minute', async (t) => {
  const nightly = cadenceOf({ cron: '0 3 * * *' });
  t.equal(nightly.latestDue(at('2026-03-10T15:00:00Z')), at('2026-03-10T03:00:00Z'));
  t.equal(nightly.latestDue(at('2026-03-10T02:59:59Z')), at('2026-03-09T03:00:00Z'), 'before today\'s, yesterday\'s');
  t.equal(nightly.countBetween(at('2026-03-01T03:00:00Z'), at('2026-03-10T03:00:00Z')), 8, 'eight nights lie between the 1st and the 10th');
  const quarterly = cadenceOf({ cron: '*/15 9-17 * * 1-5' });
  t.equal(quarterly.latestDue(at('2026-03-14T12:00:00Z')), at('2026-03-13T17:45:00Z'), 'a Saturday finds Friday\'s last quarter hour');
  t.equal(quarterly.latestDue(at('2026-03-10T09:14:59Z')), at('2026-03-10T09:00:00Z'));
});

t.test('a rare cron is found without walking every minute back', async (t) => {
  const leap = parseCron('0 0 29 2 *');
  const started = performance.now();
  t.same(leap.latestAtOrBefore(new Date('2027-03-01T00:00:00Z')), new Date('2024-02-29T00:00:00Z'));
  t.ok(performance.now() - started < 200, 'found in well under 200 ms');
  t.equal(leap.latestAtOrBefore(new Date('2027-03-01T00:00:00Z'), 365), undefined, 'none within a year');
  t.ok(parseCron('0 0 * * 0').matches(new Date('2026-03-08T00:00:00Z')), 'Sunday is day 0');
});

t.test('a shortened cron minute keeps the cron and shrinks the clock', async (t) => {
  // Cron minute k begins at k x 200 ms: `*/2` is due every second cron minute, every 400 ms.
  const fast = cadenceOf({ cron: '*/2 * * * *', cronMinuteMs: 200 });
  t.equal(fast.latestDue(1_000_000 + 450), 1_000_400);
  t.equal(fast.countBetween(1_000_000, 1_002_000), 4, '400, 800, 1200 and 1600 ms lie between');
  t.equal(fast.periodMs, 200);
});

t.test('a schedule that cannot be used is named', async (t) => {
  t.equal(scheduleProblem({ intervalMs: 60_000 }), undefined);
  t.match(scheduleProblem({ intervalMs: 1.5 }), /intervalMs must be an integer/);
  t.match(scheduleProblem({ intervalMs: 5 }), /from 10 to/);
  t.match(scheduleProblem({ cron: '61 * * * *' }), /cron "61" is out of range 0-59/);
  t.match(scheduleProblem({ cron: '* * *' }), /five fields/);
  t.match(scheduleProblem({} as never), /either intervalMs or cron/);
  t.match(scheduleProblem({ intervalMs: 1000, cron: '* * * * *' } as never), /either intervalMs or cron/);
});
