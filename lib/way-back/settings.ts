import { isTimeZone } from '../time';
import type { WayBackSettings } from './types';

/** The way back's settings from environment variables (names in lib/way-back/types.ts); unknown values fall back to the default with a warning. */
export function wayBackSettingsFromEnv(env: Record<string, string | undefined> = process.env, warn: (text: string) => void = () => {}): WayBackSettings {
  const pick = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    warn(`${name}=${env[name]} is none of ${allowed.join(', ')}: ${fallback} is used.`);
    return fallback;
  };
  const twoWay = pick('SYNC_TWO_WAY', ['true', 'false'] as const, 'true') === 'true';
  const rawPoll = env.SYNC_EXCHANGE_POLL_SECONDS?.trim();
  let pollSeconds = 60;
  if (rawPoll) {
    const n = Number(rawPoll);
    if (Number.isFinite(n) && n >= 5) pollSeconds = n;
    else warn(`SYNC_EXCHANGE_POLL_SECONDS=${rawPoll} is no number of seconds ≥ 5: 60 is used.`);
  }
  const zone = env.SYNC_TIMEZONE?.trim() || 'Europe/Berlin';
  if (!isTimeZone(zone)) warn(`SYNC_TIMEZONE=${zone} is no IANA time zone.`);
  return {
    twoWay,
    pollSeconds,
    outlookNew: pick('SYNC_OUTLOOK_NEW', ['all', 'category', 'off'] as const, 'all'),
    outlookCategory: env.SYNC_OUTLOOK_CATEGORY?.trim() || 'büro+',
    outlookDeletes: pick('SYNC_OUTLOOK_DELETES', ['delete', 'ignore'] as const, 'delete'),
    conflict: pick('SYNC_CONFLICT', ['buero', 'outlook'] as const, 'buero'),
    timeZone: zone,
  };
}

export const DEFAULT_WAY_BACK_SETTINGS: WayBackSettings = {
  twoWay: true,
  pollSeconds: 60,
  outlookNew: 'all',
  outlookCategory: 'büro+',
  outlookDeletes: 'delete',
  conflict: 'buero',
  timeZone: 'Europe/Berlin',
};
