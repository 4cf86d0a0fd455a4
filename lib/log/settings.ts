/**
 * The log sink's settings from its node configuration. Every setting may come from an
 * environment variable: Node-RED replaces a property that is exactly `${NAME}` before the
 * node starts, and leaves the text as it is when NAME is unset — that means "the default"
 * here (the reference flow takes SYNC_LOG_FILE and SYNC_LOG_TRANSFERS that way).
 */
import path from 'node:path';
import { isUnresolvedVariable } from '../env';
import { isLanguage, type Language } from './catalogue';

export interface LogSettings {
  /** Absolute path of the current log file. */
  file: string;
  maxBytes: number;
  /** Files the log uses at most, the current one included. */
  files: number;
  language: Language;
  /** One line per item written (docs/behaviours.md B13). */
  logTransfers: boolean;
  /** Also write each line to Node-RED's own log. */
  forward: boolean;
}

export interface RawLogSettings {
  file?: unknown;
  maxSizeMb?: unknown;
  files?: unknown;
  language?: unknown;
  logTransfers?: unknown;
  forward?: unknown;
}

/** A setting that could not be used; the default took its place. */
export interface SettingProblem {
  setting: keyof RawLogSettings;
  value: string;
  used: string;
}

export const DEFAULTS = {
  file: 'ExchangeSync.log',
  maxSizeMb: 10,
  files: 5,
  language: 'de' as Language,
  logTransfers: false,
  forward: false,
};

const MB = 1024 * 1024;

/** Empty, or an environment variable reference that Node-RED could not resolve. */
function isUnset(v: unknown): boolean {
  return v === undefined || v === null || String(v).trim() === '' || isUnresolvedVariable(v);
}

export function parseBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', 'yes', 'on', '1', 'ja'].includes(s)) return true;
  if (['false', 'no', 'off', '0', 'nein'].includes(s)) return false;
  return undefined;
}

/** Resolves the settings against the Node-RED user directory (for a relative file path). */
export function resolveSettings(raw: RawLogSettings, userDir: string): { settings: LogSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const pick = <T>(setting: keyof RawLogSettings, parse: (v: unknown) => T | undefined, fallback: T): T => {
    const v = raw[setting];
    if (isUnset(v)) return fallback;
    const parsed = parse(v);
    if (parsed === undefined) {
      problems.push({ setting, value: String(v), used: String(fallback) });
      return fallback;
    }
    return parsed;
  };

  const file = pick('file', (v) => String(v).trim(), DEFAULTS.file);
  const maxSizeMb = pick(
    'maxSizeMb',
    (v) => {
      const n = Number(String(v).trim().replace(',', '.'));
      return Number.isFinite(n) && n > 0 ? n : undefined;
    },
    DEFAULTS.maxSizeMb,
  );
  const files = pick(
    'files',
    (v) => {
      const n = Number(String(v).trim());
      return Number.isInteger(n) && n >= 2 && n <= 1000 ? n : undefined;
    },
    DEFAULTS.files,
  );
  const language = pick(
    'language',
    (v) => {
      const s = String(v).trim().toLowerCase().slice(0, 2);
      return isLanguage(s) ? s : undefined;
    },
    DEFAULTS.language,
  );
  const logTransfers = pick('logTransfers', parseBoolean, DEFAULTS.logTransfers);
  const forward = pick('forward', parseBoolean, DEFAULTS.forward);

  return {
    settings: {
      file: path.resolve(userDir, file),
      maxBytes: Math.max(1, Math.round(maxSizeMb * MB)),
      files,
      language,
      logTransfers,
      forward,
    },
    problems,
  };
}
