/**
 * Settings that name an environment variable, one rule for every node. Node-RED replaces a
 * property that is exactly `${NAME}` (or the older `$(NAME)`) before a node starts, from the
 * node's group, its flow, the global environment variables or the process environment, and
 * leaves the text as it is when NAME is unset. It never does so inside a longer text or in a
 * credential; `expandVariables` does, with the same lookup.
 */

/** The value of an environment variable, or undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Looks names up in a fixed table (`process.env`, or a test's own). */
export function lookupIn(variables: Record<string, string | undefined>): VariableLookup {
  return (name) => variables[name];
}

export const processEnvironment: VariableLookup = lookupIn(process.env);

/**
 * Node-RED's lookup for a node: `getSetting` is `RED.util.getSetting` bound to it (group, flow,
 * parent flows, global environment variables); an empty or missing value falls back to the
 * process environment. Without a node (a dialog's unsaved settings), the process environment.
 */
export function nodeRedLookup(getSetting?: (name: string) => unknown): VariableLookup {
  return (name) => {
    let value: unknown;
    try {
      value = getSetting?.(name);
    } catch {
      value = undefined;
    }
    if (value === undefined || value === null || value === '') value = process.env[name];
    return value === undefined || value === null ? undefined : String(value);
  };
}

/**
 * Replaces `${NAME}` by the variable NAME, anywhere in a value, so a flow carries no secret.
 * An unset variable becomes '' (the setting's default); `onUnset` hears its name, for a
 * setting that cannot do without it.
 */
export function expandVariables(value: string | undefined, lookup: VariableLookup, onUnset?: (name: string) => void): string {
  if (value === undefined || value === null) return '';
  return String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = lookup(name);
    if (v !== undefined) return v;
    onUnset?.(name);
    return '';
  });
}

/**
 * A property Node-RED could not resolve: exactly `${NAME}` or `$(NAME)` (Node-RED's own
 * patterns), left as it was because NAME is unset. Such a setting means its default.
 */
export function isUnresolvedVariable(value: unknown): boolean {
  const s = String(value ?? '').trim();
  return /^\$\{\S+\}$/.test(s) || /^\$\(\S+\)$/.test(s);
}

/**
 * A secret setting (a password, a token, a client secret) in one of two forms. Typed into the
 * dialog it is a Node-RED credential, which Node-RED keeps encrypted in flows_cred.json and
 * fills in only through a deploy (a `credentials` block in a flows.json file is ignored at
 * start). Named as an environment variable it is a plain setting: a flow file copied into place
 * carries the name, the process environment the value. A typed value wins.
 */
export interface SecretSetting {
  /** The credential typed into the dialog; may be `${NAME}` (as flows saved by earlier releases). */
  typed?: string;
  /** The name of the environment variable that holds the secret (`BUERO_TOKEN`). */
  variable?: string;
}

export interface SecretValue extends SecretSource {
  /** The secret; '' when it is missing. */
  value: string;
}

/** Where a secret comes from, to name a missing one (never its value). */
export interface SecretSource {
  /** The environment variable it was read from (or should have been); undefined for a typed value. */
  variable?: string;
  /**
   * The variable setting holds no variable name. Never shown: Node-RED may already have
   * replaced a setting written as `${NAME}` by the value, i.e. by the secret itself.
   */
  badName?: boolean;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads a secret setting: the typed credential when there is one, else the named variable. */
export function readSecret(setting: SecretSetting, lookup: VariableLookup): SecretValue {
  const typed = String(setting.typed ?? '');
  if (typed.trim()) {
    const variable = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(typed)?.[1];
    const value = expandVariables(typed, lookup);
    return variable ? { value, variable } : { value };
  }
  const name = String(setting.variable ?? '').trim();
  if (!name) return { value: '' };
  if (!VARIABLE_NAME.test(name)) return { value: '', badName: true };
  return { value: lookup(name) ?? '', variable: name };
}

/**
 * Where a missing secret should have come from, for an error message: the variable that is not
 * set, or the empty setting. `setting` is the label the dialog shows (`Token`).
 */
export function missingSecretText(secret: SecretSource, setting: string): string {
  if (secret.variable) return `the environment variable ${secret.variable} (setting "${setting}") is not set`;
  if (secret.badName) return `the setting "${setting}" does not name an environment variable (a name such as BUERO_TOKEN, without \${ })`;
  return `the setting "${setting}" is empty`;
}
