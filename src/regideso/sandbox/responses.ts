import { centimesToDecimal, type Centimes } from '../../money';
import { toDayFirst } from '../dates';
import { balanceOf, type AppliedPayment, type LedgerBill, type LedgerSubscriber } from './ledger';

/**
 * The sandbox's answers, in the exact shapes of the API document: amounts as strings where it
 * shows strings (`"17865.57"`, `"0"`), as JSON numbers where it shows numbers (`"solde": 17765.57`).
 */

/** `1786557` → `"17865.57"`, `0` → `"0.00"`: integer arithmetic, no float formatting. */
function twoDecimals(c: Centimes): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The JSON number the document shows for `solde` and `montant_payer`. */
function asNumber(c: Centimes): number {
  return c / 100;
}

/** What the document's `phone` field holds (`"1001"`); its meaning is not documented. */
const PHONE_FIELD = '1001';

export function getFactBill(s: LedgerSubscriber, b: LedgerBill): Record<string, string> {
  return {
    fae_id: b.faeId,
    ref_client: s.refClient,
    nom_client: s.name,
    numero_fac: b.billNumber,
    date_fac: `${b.issuedOn} 00:00:00`,
    ref_agence: s.agency,
    ref_province: s.province,
    montant_fac: twoDecimals(b.amountCentimes),
    solde_fac: twoDecimals(balanceOf(b)),
    payments: centimesToDecimal(b.paidCentimes),
    solde: twoDecimals(balanceOf(b)),
  };
}

export function payFactBills(
  s: LedgerSubscriber,
  payment: AppliedPayment,
  paidBills: Array<{ bill: LedgerBill; paidCentimes: Centimes }>,
): Array<Record<string, string | number>> {
  const unpaid = s.bills.filter((b) => balanceOf(b) > 0);
  const debt = unpaid.reduce((sum, b) => sum + balanceOf(b), 0);
  return paidBills.map(({ bill, paidCentimes }) => ({
    fae_id: bill.faeId,
    ref_client: s.refClient,
    nom_client: s.name,
    numero_fac: bill.billNumber,
    date_fac: toDayFirst(bill.issuedOn),
    ref_agence: s.agency,
    ref_province: s.province,
    montant_fac: twoDecimals(bill.amountCentimes),
    payments: centimesToDecimal(bill.paidCentimes),
    solde: asNumber(balanceOf(bill)),
    montant_payer: asNumber(paidCentimes),
    num_acquit: payment.numAcquit,
    cle: payment.numAcquit,
    phone: PHONE_FIELD,
    nombre_factures_impayees: String(unpaid.length),
    montant_total_de_la_dette: twoDecimals(debt),
    date_payement: payment.datePayement.slice(0, 10),
  }));
}

export function verifyData(s: LedgerSubscriber | undefined, payment: AppliedPayment): Array<Record<string, string>> {
  return [
    {
      ref_client: payment.refClient,
      nom_client: s?.name ?? '',
      total_payments: centimesToDecimal(payment.amountCentimes),
      nbre_transactions: '1',
      // The document shows the day at midnight even for a payment made at 10:42:58.
      date_payement: `${payment.datePayement.slice(0, 10)} 00:00:00`,
      opérateur: payment.operator,
    },
  ];
}
