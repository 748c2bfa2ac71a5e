/**
 * The one form a MAC takes in events, records and JSON output: 12 upper-case hex digits. The
 * chip's TLV sector, OpenBeken's /api/info ("c8:47:8c:…" or "C8478C…") and a user's --mac all
 * reduce to it; tables and console lines add the colons back (C8:47:8C:01:02:03).
 */
export function normalizeMac(raw: string): string | undefined {
  const hex = raw.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) && separatorsOnly(raw) ? hex : undefined;
}

// Any separator a label, a scanner or a spreadsheet uses: ':', '-', '.', space, '_'.
const separatorsOnly = (raw: string): boolean => raw.replace(/[0-9a-fA-F:.\-\s_]/g, '') === '';

/**
 * A MAC as a user types it to find a unit: all 6 bytes, or the last 3 (what a label or the SSID
 * "OpenBeken_XXXXXX" shows), any separator. Returns 12 or 6 upper-case hex digits; 6 digits are
 * matched as the end of the MAC (record stores: a MAC query of 6 digits is a suffix).
 */
export function normalizeMacQuery(raw: string): string | undefined {
  const hex = raw.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return /^([0-9A-F]{6}|[0-9A-F]{12})$/.test(hex) && separatorsOnly(raw) ? hex : undefined;
}

/** Whether a stored (normalised) MAC matches a query from normalizeMacQuery. */
export function macMatches(mac: string, query: string): boolean {
  return query.length === 6 ? mac.endsWith(query) : mac === query;
}
