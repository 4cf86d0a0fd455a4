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
