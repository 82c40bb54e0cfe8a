import type { PaymentRecord } from '../../payments/types';
import { maskReference } from '../../privacy/masking';
import { DEFAULT_PROVINCE, type Province } from '../../provinces';
import type { VerifyOutcome } from '../../regideso/types';
import type { KeywordLanguage } from '../keywords';
import { samePhone, type CommandContext, type CommandResult } from './context';
import { paidFromThisPhone } from './paid-reference';

/** REGIDESO's shape: `DD-MM-YY`, the operator in capitals, `-ref-`, five lower-case hex digits. */
const REGIDESO_RECEIPT = /^(\d{2}-\d{2}-\d{2})([A-Za-z][A-Za-z0-9]*)-(.+)-([0-9A-Fa-f]{5})$/;
/** Our own reference for a payment whose receipt was lost (`RGD-0A1B2C3D4E`), upper case. */
const OWN_REFERENCE = /^rgd-[a-z0-9]+$/i;

/**
 * The receipt number as typed, then put back in its canonical case when a phone's keyboard changed
 * it (`28-11-26sandbox-83262-CD0BF` → `28-11-26SANDBOX-83262-cd0bf`, `rgd-…` → `RGD-…`): one or two
 * numbers, never more, so a typo costs at most one more lookup on each side.
 */
export function receiptNumberCandidates(typed: string): [string, ...string[]] {
  let canonical = typed;
  const m = REGIDESO_RECEIPT.exec(typed);
  if (m) {
    const [, date = '', operator = '', ref = '', hex = ''] = m;
    canonical = `${date}${operator.toUpperCase()}-${ref.toUpperCase()}-${hex.toLowerCase()}`;
  } else if (OWN_REFERENCE.test(typed)) {
    canonical = typed.toUpperCase();
  }
  return canonical === typed ? [typed] : [typed, canonical];
}

/**
 * `RECU <num_acquit> [province]`: asks REGIDESO (VerifyTransaction). Our own payment records are
 * read first: they know the province and the exact number. The subscriber's name and reference are
 * shown only to the phone that made the payment, or one that has paid the same reference; anyone
 * else holding the number learns the status and the amount, the reference masked and no name.
 */
export async function receiptCommand(
  ctx: CommandContext,
  cmd: { numAcquit: string; province: Province | undefined; language: KeywordLanguage },
): Promise<CommandResult> {
  const lang = cmd.language;
  const candidates = receiptNumberCandidates(cmd.numAcquit);
  const record = await findRecord(ctx, candidates);
  if (record?.ownReference === true) {
    // Our own reference for money that landed without REGIDESO's answer: REGIDESO cannot know it.
    const refClient = (await mayKnow(ctx, record, record.refClient, record.province)) ? record.refClient : maskReference(record.refClient);
    return {
      outcome: 'own_reference',
      reply: ctx.texts.receiptOwnReference(
        { reference: record.numAcquit ?? cmd.numAcquit, amountCentimes: record.amountCentimes, at: record.createdAt, refClient },
        lang,
      ),
    };
  }
  const province = cmd.province ?? record?.province ?? DEFAULT_PROVINCE;
  // The record's number is the one REGIDESO gave: no need to try any other spelling.
  const toTry: [string, ...string[]] = record?.numAcquit !== undefined && record.numAcquit !== null ? [record.numAcquit] : candidates;
  const result = await verifyFirstFound(ctx, toTry, province);
  switch (result.kind) {
    case 'ok': {
      const t = result.transaction;
      const known = await mayKnow(ctx, record, t.refClient, province);
      const name = t.subscriberName.trim() === '' || !known ? undefined : t.subscriberName;
      return {
        outcome: 'found',
        reply: ctx.texts.receiptFound(
          {
            numAcquit: t.numAcquit,
            status: t.status,
            amountCentimes: t.totalPaidCentimes,
            paidAt: t.paidAt,
            subscriberName: name,
            refClient: known ? t.refClient : maskReference(t.refClient),
          },
          lang,
        ),
      };
    }
    case 'not_found': {
      const provinceKnown = cmd.province !== undefined || record !== undefined;
      return { outcome: 'not_found', reply: ctx.texts.receiptNotFound(cmd.numAcquit, province, provinceKnown, lang) };
    }
    case 'unauthorized':
    case 'unavailable':
      ctx.logger.warn('sms receipt: REGIDESO unavailable', { kind: result.kind, message: result.message, from: ctx.from });
      return { outcome: 'unavailable', reply: ctx.texts.unavailable(lang) };
  }
}

/** The phone that made this payment, or one that has paid its reference: it may see the name and the reference. */
async function mayKnow(ctx: CommandContext, record: PaymentRecord | undefined, ref: string, province: Province): Promise<boolean> {
  if (record !== undefined && samePhone(record.phoneNumber, ctx.from)) return true;
  return paidFromThisPhone(ctx, ref, province);
}

/** Asks REGIDESO for each spelling in turn until one is found; any other answer ends the search. */
async function verifyFirstFound(ctx: CommandContext, numbers: [string, ...string[]], province: Province): Promise<VerifyOutcome> {
  const [first, ...others] = numbers;
  let result = await ctx.regideso.verifyTransaction(first, province);
  for (const n of others) {
    if (result.kind !== 'not_found') return result;
    result = await ctx.regideso.verifyTransaction(n, province);
  }
  return result;
}

async function findRecord(ctx: CommandContext, candidates: string[]): Promise<PaymentRecord | undefined> {
  try {
    for (const n of candidates) {
      const record = await ctx.records.findByNumAcquit(n);
      if (record !== undefined) return record;
    }
    return undefined;
  } catch (err) {
    // Without the record the reply is still right, only less personal (name masked).
    ctx.logger.warn('sms receipt: payment records unreachable', { err, from: ctx.from });
    return undefined;
  }
}
