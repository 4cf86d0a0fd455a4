import { ExchangeCode, WayBackCode } from '../../lib/error-codes';
import type { PartHealth } from '../../lib/monitor/status';
import type { SourceStatus } from '../../lib/way-back';

/** Since when each part has been failing, as the node saw it (the source reports states, not times). */
export interface HealthClock {
  failingSince: Map<string, number>;
}

function part(clock: HealthClock, name: string, failing: boolean, now: number, lastSuccessAt: number | undefined, error?: { code: string; message: string }): PartHealth {
  if (!failing) {
    clock.failingSince.delete(name);
    return { failures: 0, lastSuccessAt };
  }
  if (!clock.failingSince.has(name)) clock.failingSince.set(name, now);
  return { failures: 1, lastSuccessAt, failingSince: clock.failingSince.get(name), error };
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);
const latest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/**
 * The change source's status for monitoring: Exchange (failing when every mailbox folder's
 * last read failed) and each mailbox (failing when a folder's last read failed, or while the
 * deletion guard holds it: an administrator has to look).
 */
export function mailboxHealth(s: SourceStatus, clock: HealthClock, now: number): { exchange: PartHealth; mailboxes: (PartHealth & { mailbox: string })[] } {
  const byMailbox = new Map<string, SourceStatus['folders']>();
  for (const f of s.folders) byMailbox.set(f.mailbox, [...(byMailbox.get(f.mailbox) ?? []), f]);
  let lastSuccess: number | undefined;
  const mailboxes = [...byMailbox].map(([mailbox, folders]) => {
    const bad = folders.find((f) => f.state === 'error' || f.state === 'paused');
    const ok = folders.filter((f) => f.state !== 'error').map((f) => time(f.lastPollAt));
    const last = ok.reduce<number | undefined>(latest, undefined);
    lastSuccess = latest(lastSuccess, last);
    const error = bad && { code: bad.code ?? (bad.state === 'paused' ? WayBackCode.deletionsHeld : ExchangeCode.unavailable), message: bad.reason ?? bad.state };
    return { mailbox, ...part(clock, `mailbox ${mailbox}`, !!bad, now, last, error) };
  });
  const failed = s.folders.filter((f) => f.state === 'error');
  const down = s.folders.length > 0 && failed.length === s.folders.length;
  const error = down ? { code: failed[0].code ?? ExchangeCode.unavailable, message: failed[0].reason ?? 'error' } : undefined;
  return { exchange: part(clock, 'Exchange', down, now, lastSuccess, error), mailboxes };
}
