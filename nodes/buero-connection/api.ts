import type { Node } from 'node-red';
import type { BueroConnection } from '../../lib/buero/connection';
import type { SyncError } from '../../lib/errors';

/** What a `buero-connection` config node offers the nodes that use it. */
export interface BueroConnectionConfigNode extends Node {
  /** Absent when the settings are invalid (then `configError` says why). */
  connection?: BueroConnection;
  configError?: SyncError;
  /**
   * Absolute path of the state file (SQLite) of the büro+ side: the change source's position
   * and the sign-in. The writer names its own (the same file by default; see
   * nodes/shared/state-file.ts). Unset when the settings could not be read (`configError`).
   */
  stateFile: string;
}
