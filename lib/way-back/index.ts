/**
 * The way back (Outlook → büro+, docs/behaviours.md B14): the engine under the nodes
 * `buero-outlook-changes` (OutlookChangeSource) and `buero-writer` (WayBackWriter).
 * No Node-RED here. The public API is described in docs/architecture.md ("The way back").
 */
export type {
  Conflict,
  FolderStatus,
  PollReport,
  SkipReason,
  SourceStatus,
  SyncedMailbox,
  Taken,
  TakeResult,
  WayBackChange,
  WayBackMessage,
  WayBackSettings,
} from './types';
export { DEFAULT_WAY_BACK_SETTINGS, wayBackSettingsFromEnv } from './settings';
export { OutlookChangeSource, syncedMailboxes, type OutlookChangeSourceOptions } from './source';
export { WayBackWriter, linkedInIdMap, type WayBackWriterOptions } from './writer';
export { DeletionGuard, GUARD_MIN_DELETES, GUARD_SHARE } from './guard';
