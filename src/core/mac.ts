/**
 * The one form a MAC takes in events and records: 12 upper-case hex digits. The chip's TLV sector,
 * OpenBeken's /api/info ("c8:47:8c:…" or "C8478C…") and a user's --mac all reduce to it; displays
 * add the colons back.
 */
export function normalizeMac(raw: string): string | undefined {
  const hex = raw.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) && raw.replace(/[0-9a-fA-F:.\-\s]/g, '') === '' ? hex : undefined;
}
