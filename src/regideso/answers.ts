import { z } from 'zod';
import { parseProvince, type Province } from '../provinces';
import type { HttpResult } from './http';
import { classifyBusinessMessage } from './messages';
import type { Bill, GetBillsOutcome, PayOutcome, VerifyOutcome } from './types';
import { envelopeSchema, wireBillSchema, wirePaidBillSchema, wireTransactionSchema, type Envelope } from './wire';

/**
 * Turns one HTTP exchange into an outcome. Pure: no I/O, no logging, so every odd answer the
 * document allows can be checked without a server. Nothing here throws on a bad answer.
 */

// Built once: a zod schema costs more to build than to run on a handful of bills.
const billsSchema = z.array(wireBillSchema);
const paidBillsSchema = z.array(wirePaidBillSchema).min(1);
const transactionsSchema = z.array(wireTransactionSchema);

type Reason = 'timeout' | 'network' | 'server_error' | 'bad_response';

/** The steps every endpoint shares: no answer, 401/403, 5xx, an unreadable envelope. */
type Triage =
  | { kind: 'envelope'; status: number; envelope: Envelope }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'failed'; reason: Reason; message: string };

function triage(result: HttpResult): Triage {
  if (result.kind === 'no_answer') return { kind: 'failed', reason: result.reason, message: result.message };
  const { status, body } = result;
  if (status === 401 || status === 403) {
    const msg = envelopeSchema.safeParse(body);
    return { kind: 'unauthorized', message: (msg.success && msg.data.message) || `REGIDESO refused the API key (HTTP ${status})` };
  }
  if (status >= 500) return { kind: 'failed', reason: 'server_error', message: `REGIDESO answered HTTP ${status}` };
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) {
    return { kind: 'failed', reason: 'bad_response', message: `unreadable answer (HTTP ${status}): ${summarise(envelope.error)}` };
  }
  return { kind: 'envelope', status, envelope: envelope.data };
}

function summarise(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

function businessMessage(envelope: Envelope): string {
  return envelope.message?.trim() || 'REGIDESO refused the request without a message';
}

export function interpretGetFact(result: HttpResult, province: Province): GetBillsOutcome {
  const t = triage(result);
  if (t.kind === 'unauthorized') return t;
  if (t.kind === 'failed') return { kind: 'unavailable', reason: t.reason, message: t.message };
  const { envelope } = t;
  if (!envelope.success) {
    const message = businessMessage(envelope);
    switch (classifyBusinessMessage(message)) {
      case 'client_not_found':
        return { kind: 'client_not_found', message };
      case 'no_unpaid_bill':
        // GetFact lists paid bills too; "nothing unpaid" is an empty list, not a failure.
        return { kind: 'ok', bills: [] };
      default:
        return { kind: 'unavailable', reason: 'bad_response', message };
    }
  }
  const bills = billsSchema.safeParse(envelope.data ?? envelope.bills ?? []);
  if (!bills.success) return { kind: 'unavailable', reason: 'bad_response', message: `unreadable bills: ${summarise(bills.error)}` };
  return { kind: 'ok', bills: bills.data.map((b) => toBill(b, province)).sort(oldestFirst) };
}

function toBill(b: z.infer<typeof wireBillSchema>, requested: Province): Bill {
  // `solde` is the balance after payments; `solde_fac` is sent beside it on GetFact and is the
  // fallback when a deployment leaves one of them out.
  const balance = b.solde ?? b.solde_fac ?? 0;
  return {
    faeId: b.fae_id,
    refClient: b.ref_client,
    subscriberName: b.nom_client,
    billNumber: b.numero_fac,
    issuedOn: b.date_fac,
    agency: b.ref_agence,
    province: parseProvince(b.ref_province) ?? requested,
    amountCentimes: b.montant_fac,
    paidCentimes: b.payments ?? b.montant_fac - balance,
    balanceCentimes: balance,
  };
}

function oldestFirst(a: Bill, b: Bill): number {
  if (a.issuedOn !== b.issuedOn) return a.issuedOn < b.issuedOn ? -1 : 1;
  return a.faeId.localeCompare(b.faeId, 'en', { numeric: true });
}

export function interpretPayFact(result: HttpResult): PayOutcome {
  const t = triage(result);
  if (t.kind === 'unauthorized') return t;
  // Without a readable answer the payment may or may not have been applied.
  if (t.kind === 'failed') return { kind: 'uncertain', reason: t.reason, message: t.message };
  const { envelope } = t;
  if (!envelope.success) {
    const message = businessMessage(envelope);
    const kind = classifyBusinessMessage(message);
    return { kind: kind === 'other' ? 'rejected' : kind, message };
  }
  const bills = paidBillsSchema.safeParse(envelope.bills ?? envelope.data);
  if (!bills.success) {
    return { kind: 'uncertain', reason: 'bad_response', message: `payment answered success without readable bills: ${summarise(bills.error)}` };
  }
  const numAcquit = bills.data.find((b) => b.numAcquit !== undefined)?.numAcquit;
  if (numAcquit === undefined) {
    return { kind: 'uncertain', reason: 'bad_response', message: 'payment answered success without a num_acquit' };
  }
  // The totals describe the subscriber after this payment; every entry repeats them, the last wins.
  const last = bills.data[bills.data.length - 1];
  return {
    kind: 'paid',
    numAcquit,
    bills: bills.data.map((b) => ({
      faeId: b.fae_id,
      billNumber: b.numero_fac ?? '',
      subscriberName: b.nom_client,
      paidCentimes: b.montant_payer,
      balanceAfterCentimes: b.solde,
    })),
    totalDebtCentimes: last?.montant_total_de_la_dette,
    unpaidBillCount: last?.nombre_factures_impayees,
  };
}

export function interpretVerify(result: HttpResult, numAcquit: string): VerifyOutcome {
  const t = triage(result);
  if (t.kind === 'unauthorized') return t;
  if (t.kind === 'failed') return { kind: 'unavailable', reason: t.reason, message: t.message };
  const { envelope } = t;
  if (!envelope.success) return { kind: 'not_found', message: businessMessage(envelope) };
  const data = transactionsSchema.safeParse(envelope.data ?? []);
  if (!data.success) return { kind: 'unavailable', reason: 'bad_response', message: `unreadable transaction: ${summarise(data.error)}` };
  const tx = data.data[0];
  if (tx === undefined) return { kind: 'not_found', message: businessMessage(envelope) };
  return {
    kind: 'ok',
    transaction: {
      numAcquit,
      status: isFailureStatus(envelope.status) ? 'échec' : 'succès',
      refClient: tx.ref_client,
      subscriberName: tx.nom_client,
      totalPaidCentimes: tx.total_payments,
      transactionCount: tx.nbre_transactions,
      paidAt: tx.date_payement,
      operator: tx.opérateur ?? tx.operateur ?? '',
    },
  };
}

function isFailureStatus(status: string | null | undefined): boolean {
  if (!status) return false;
  return status.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase() === 'echec';
}
