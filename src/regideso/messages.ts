/**
 * REGIDESO tells business failures apart only by their French message, so they are recognised
 * here, once, on a normalised form (no accents, any apostrophe, any case, any spacing).
 */
export type BusinessError = 'client_not_found' | 'no_unpaid_bill' | 'bills_not_owned' | 'other';

function normalise(message: string): string {
  return message
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export function classifyBusinessMessage(message: string): BusinessError {
  const m = normalise(message);
  // "Les factures suivantes n'existent pas pour le client …" also contains "n'existe", so it goes first.
  if (m.includes("factures suivantes n'existent pas")) return 'bills_not_owned';
  if (m.includes("client n'existe pas")) return 'client_not_found';
  if (m.includes('aucune facture impayee')) return 'no_unpaid_bill';
  return 'other';
}
