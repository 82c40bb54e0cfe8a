import { classifyBusinessMessage } from '../../src/regideso/messages';

describe('classifyBusinessMessage', () => {
  it.each([
    ["Ce client n'existe pas dans la base de données.", 'client_not_found'],
    ['CE CLIENT N\u2019EXISTE PAS dans la base de donnees', 'client_not_found'],
    ['Aucune facture impayée pour ce client!', 'no_unpaid_bill'],
    ['aucune  facture impayee', 'no_unpaid_bill'],
    ["Les factures suivantes n'existent pas pour le client KANDA MUKOSA (Référence)", 'bills_not_owned'],
    ['Montant invalide', 'other'],
  ])('%p → %p', (message, kind) => {
    expect(classifyBusinessMessage(message)).toBe(kind);
  });
});
