import path from 'node:path';
import type { NodeAPI } from 'node-red';
import type { BueroConnectionConfigNode } from '../buero-connection/api';
import { nodeLabel } from './label';

/** The default state file, in the Node-RED user directory: the büro+ connection and the writer share it. */
export const DEFAULT_STATE_FILE = 'buero-sync.sqlite';

/** Node-RED's user directory (where relative paths of the settings point). */
export function userDir(RED: NodeAPI): string {
  return RED.settings.userDir || process.cwd();
}

/** The absolute path a state-file setting names; empty means the default. */
export function stateFilePath(RED: NodeAPI, setting: unknown): string {
  return path.resolve(userDir(RED), String(setting ?? '').trim() || DEFAULT_STATE_FILE);
}

/**
 * The running büro+ connections, when none of them keeps its state in `file` (none when one
 * does, or when there is no büro+ connection). The writer calls this at deploy: a writer whose
 * state file no büro+ connection shares is most often a path changed in one dialog and not in
 * the other (say, the state moved to a data volume). Two files work — the change source saves
 * its position only after the writer's queue holds the change, whichever file each uses — but
 * they must be backed up and restored together, so the administrator hears of it.
 */
export function bueroConnectionsElsewhere(RED: NodeAPI, file: string): { label: string; file: string }[] {
  const others: { label: string; file: string }[] = [];
  let shared = false;
  RED.nodes.eachNode((def) => {
    if (def.type !== 'buero-connection') return;
    // Config nodes start before the flow nodes that use them, so a running one has its path.
    const connection = RED.nodes.getNode(def.id) as BueroConnectionConfigNode | null;
    if (!connection?.stateFile) return;
    if (connection.stateFile === file) shared = true;
    else others.push({ label: nodeLabel(connection), file: connection.stateFile });
  });
  return shared ? [] : others;
}
