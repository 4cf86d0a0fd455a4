/**
 * EWS and Microsoft Graph name the same Exchange item with one id in two spellings: EWS ids
 * are base64, Graph (REST) ids are the URL-safe form of the same bytes (`/` → `-`,
 * `+` → `_`). Graph's translateExchangeIds would say the same, but it takes no application
 * permission, so the writer converts locally (as Outlook add-ins' convertToRestId does).
 */

/** The id the writer stored under another transport, handed to findByKey as a hint. */
export interface ForeignId {
  /** `ews` or `graph`. */
  transport: string;
  itemId: string;
}

export function restIdFromEwsId(id: string): string {
  return id.replace(/\//g, '-').replace(/\+/g, '_');
}

export function ewsIdFromRestId(id: string): string {
  return id.replace(/-/g, '/').replace(/_/g, '+');
}

/** The id in the spelling of transport `to`; undefined when the source transport is unknown. */
export function idFor(to: 'ews' | 'graph', foreign: ForeignId): string | undefined {
  if (foreign.transport === to) return foreign.itemId;
  if (foreign.transport === 'ews' && to === 'graph') return restIdFromEwsId(foreign.itemId);
  if (foreign.transport === 'graph' && to === 'ews') return ewsIdFromRestId(foreign.itemId);
  return undefined;
}
