import type { NodeDef } from 'node-red';
import { NodeCode } from '../../lib/error-codes';
import { SyncError } from '../../lib/errors';

/**
 * Versioned node settings: each node's editor definition saves a `version` with its settings,
 * and each node type has an ordered list of migrations that bring a configuration saved by an
 * older release to today's layout before the node reads it. A flow saved by any release keeps
 * running after a later one renames or reshapes a setting.
 *
 * Version 0 is a configuration saved before settings carried a version. Version 1 is the layout
 * of the first release that records it; it has the same settings as version 0 (the buero-map
 * node recorded `version: 1` already then), except that the Exchange connection's own setting
 * `version` (the Exchange version its requests are written for) became `exchangeVersion`.
 *
 * The runtime migrates, the editor does not: Node-RED starts every deployed flow through here,
 * also one imported or never opened in the editor, whereas the editor keeps of a node only the
 * properties its `defaults` declare and drops any other on import and deploy. So a release that
 * renames a setting keeps the old name in the editor's `defaults` (without an input), so that
 * the value reaches the runtime, and lets a migration here move it; a migration never overwrites
 * a setting the configuration already has under the new name (an edit dialog may have set it).
 * A dialog that shows a renamed setting reads the old name when the new one is missing and
 * records the current version when saved (see buero-exchange-connection.html).
 */

/** Brings a configuration one version up. It changes the copy it is given. */
export type Migration = (config: Record<string, unknown>) => void;

/** Moves a setting to its new name, unless the configuration has it under the new name already. */
export function rename(config: Record<string, unknown>, from: string, to: string): void {
  if (from in config) {
    if (config[to] === undefined) config[to] = config[from];
    delete config[from];
  }
}

/** Adds settings a release introduced, with the value that means what the node did before. */
export function add(config: Record<string, unknown>, settings: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(settings)) if (config[name] === undefined) config[name] = value;
}

/** Version 0 → 1 of a node type whose settings kept their names and meaning. */
const unchanged: Migration = () => undefined;

/**
 * Per node type the migrations in order: the one at index i upgrades version i to version
 * i + 1, so the current version of a type is the length of its list, and the `version` default
 * in the type's editor definition must say the same (a test checks that).
 */
export const MIGRATIONS: Record<string, Migration[]> = {
  'buero-connection': [
    unchanged,
    // Version 2: each secret may name the environment variable that holds it; none did before
    // (a secret typed into the dialog, `${NAME}` included, is read as it was).
    (config) => add(config, { clientIdEnv: '', clientSecretEnv: '', staticTokenEnv: '' }),
  ],
  'buero-changes': [unchanged],
  'buero-map': [unchanged],
  'buero-exchange-connection': [
    // `version` names the settings' version now; the Exchange version moved beside it.
    (config) => rename(config, 'version', 'exchangeVersion'),
    // Version 2: as the büro+ connection, each secret may name its environment variable.
    (config) => add(config, { passwordEnv: '', clientSecretEnv: '' }),
  ],
  'buero-exchange-writer': [unchanged],
  'buero-sync-log': [unchanged],
  'buero-outlook-changes': [unchanged],
  'buero-writer': [unchanged],
};

/** The version a node type's settings have in this release. */
export function currentVersion(type: string): number {
  return MIGRATIONS[type]?.length ?? 0;
}

/** The version of a saved configuration: 0 when it has none (a number only: see above). */
export function savedVersion(config: object): number {
  const version = (config as { version?: unknown }).version;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : 0;
}

/**
 * A node's saved configuration in today's layout (a copy; the saved one is left as it is).
 * Throws a SyncError for a configuration saved by a newer release: read by this one it could
 * mean something else (a setting renamed since would be read as missing, so as its default).
 */
export function upgradeConfig<C extends NodeDef>(saved: C): C {
  const migrations = MIGRATIONS[saved.type] ?? [];
  const from = savedVersion(saved);
  if (from > migrations.length) {
    throw new SyncError(
      NodeCode.settingsTooNew,
      `The settings of this node were saved by a newer release of @buero-sync/node-red-exchange (settings version ${from}; this release reads up to version ${migrations.length}). Update the package on this Node-RED to that release or a newer one.`,
      { record: `${saved.type} ${saved.id}`, field: 'version' },
    );
  }
  const config = structuredClone(saved) as unknown as Record<string, unknown>;
  for (let v = from; v < migrations.length; v++) migrations[v](config);
  config.version = migrations.length;
  return config as unknown as C;
}
