/**
 * The büro+ writer of the way back (Outlook → büro+): calendar entries written one per
 * mutation, read back, locked on the version merged against, and created at most once.
 */
export { BueroWriter, type BueroWriterOptions } from './writer';
export type { BueroValue, BueroValues, CreateRequest, DeleteRequest, ModifyRequest, OutlookItemRef, SavedRow, WriteResult } from './model';
export { PendingCreates, type PendingCreate } from './pending';
export { discoverWriteShape, type WriteNames, type WriteShape } from './shape';
