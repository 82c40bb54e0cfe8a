import { randomBytes } from 'node:crypto';
import type { Centimes } from '../../money';
import { provinceLocalTime, type Province } from '../../provinces';
import type { DemoBill, DemoSubscriber } from './data';

/**
 * The sandbox's books: subscribers, bills and applied payments, in integer centimes. One ledger
 * per sandbox instance, built from a deep copy of the demo data, so parallel tests never share it.
 */
export type LedgerBill = DemoBill;

export interface LedgerSubscriber extends Omit<DemoSubscriber, 'bills'> {
  bills: LedgerBill[];
}

export interface PayCommand {
  refClient: string;
  province: Province;
  amountCentimes: Centimes;
  billIds: string[];
  operator: string;
  /** `date_payement` as the caller sent it. */
  datePayement: string;
}

/** A PayFact the sandbox applied: the command, its receipt number and how it was allocated. */
export interface AppliedPayment extends PayCommand {
  numAcquit: string;
  allocations: Array<{ faeId: string; paidCentimes: Centimes }>;
}

export type PayResult =
  | { kind: 'client_not_found' }
  | { kind: 'bills_not_owned'; subscriber: LedgerSubscriber; missing: string[] }
  | { kind: 'no_unpaid_bill' }
  | { kind: 'amount_not_positive' }
  | { kind: 'amount_above_balance'; balanceCentimes: Centimes }
  | { kind: 'paid'; payment: AppliedPayment; subscriber: LedgerSubscriber; paidBills: Array<{ bill: LedgerBill; paidCentimes: Centimes }> };

export interface Ledger {
  findSubscriber(refClient: string, province: Province): LedgerSubscriber | undefined;
  pay(cmd: PayCommand): PayResult;
  findPayment(numAcquit: string, province: Province): AppliedPayment | undefined;
  payments(): AppliedPayment[];
  /** Tests only: REGIDESO loses the record of a receipt (VerifyTransaction no longer finds it); the bills stay paid. */
  forget(numAcquit: string): boolean;
}

export function balanceOf(b: LedgerBill): Centimes {
  return b.amountCentimes - b.paidCentimes;
}

function byIssueDate(a: LedgerBill, b: LedgerBill): number {
  if (a.issuedOn !== b.issuedOn) return a.issuedOn < b.issuedOn ? -1 : 1;
  return a.faeId.localeCompare(b.faeId, 'en', { numeric: true });
}

export function createLedger(data: readonly DemoSubscriber[], now: () => Date): Ledger {
  const subscribers: LedgerSubscriber[] = data.map((s) => ({ ...s, bills: s.bills.map((b) => ({ ...b })) }));
  const applied: AppliedPayment[] = [];

  function find(refClient: string, province: Province): LedgerSubscriber | undefined {
    return subscribers.find((s) => s.refClient === refClient && s.province === province);
  }

  /** `29-01-25FINCA-83262-0dfe8`: the day REGIDESO recorded it, the operator, the reference, 5 hex. */
  function newNumAcquit(operator: string, refClient: string, province: Province): string {
    const [date = ''] = provinceLocalTime(now(), province).split(' ');
    const [y = '', m = '', d = ''] = date.split('-');
    for (;;) {
      const candidate = `${d}-${m}-${y.slice(2)}${operator}-${refClient}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      if (!applied.some((p) => p.numAcquit === candidate)) return candidate;
    }
  }

  return {
    findSubscriber: find,

    pay(cmd) {
      const subscriber = find(cmd.refClient, cmd.province);
      if (!subscriber) return { kind: 'client_not_found' };
      const selected: LedgerBill[] = [];
      const missing: string[] = [];
      for (const id of cmd.billIds) {
        const b = subscriber.bills.find((x) => x.faeId === id);
        if (b) selected.push(b);
        else missing.push(id);
      }
      if (missing.length > 0) return { kind: 'bills_not_owned', subscriber, missing };
      const open = selected.filter((b) => balanceOf(b) > 0).sort(byIssueDate);
      if (open.length === 0) return { kind: 'no_unpaid_bill' };
      if (cmd.amountCentimes <= 0) return { kind: 'amount_not_positive' };
      const balance = open.reduce((sum, b) => sum + balanceOf(b), 0);
      if (cmd.amountCentimes > balance) return { kind: 'amount_above_balance', balanceCentimes: balance };

      // Oldest bill first, each paid up to its balance before the next one gets anything.
      let left = cmd.amountCentimes;
      const paidBills: Array<{ bill: LedgerBill; paidCentimes: Centimes }> = [];
      for (const b of open) {
        if (left === 0) break;
        const part = Math.min(left, balanceOf(b));
        b.paidCentimes += part;
        left -= part;
        paidBills.push({ bill: b, paidCentimes: part });
      }
      const payment: AppliedPayment = {
        numAcquit: newNumAcquit(cmd.operator, subscriber.refClient, cmd.province),
        refClient: subscriber.refClient,
        province: cmd.province,
        amountCentimes: cmd.amountCentimes,
        billIds: [...cmd.billIds],
        operator: cmd.operator,
        datePayement: cmd.datePayement,
        allocations: paidBills.map((p) => ({ faeId: p.bill.faeId, paidCentimes: p.paidCentimes })),
      };
      applied.push(payment);
      return { kind: 'paid', payment, subscriber, paidBills };
    },

    findPayment(numAcquit, province) {
      // REGIDESO keeps one database per province: a receipt is only found in its own.
      return applied.find((p) => p.numAcquit === numAcquit && p.province === province);
    },

    forget(numAcquit) {
      const i = applied.findIndex((p) => p.numAcquit === numAcquit);
      if (i < 0) return false;
      applied.splice(i, 1);
      return true;
    },

    payments() {
      return applied.map((p) => ({ ...p, billIds: [...p.billIds], allocations: p.allocations.map((a) => ({ ...a })) }));
    },
  };
}
