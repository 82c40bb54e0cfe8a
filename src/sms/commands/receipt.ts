import { maskName } from '../../logging/mask';
import type { PaymentRecord } from '../../payments/types';
import { DEFAULT_PROVINCE, type Province } from '../../provinces';
import type { KeywordLanguage } from '../keywords';
import * as texts from '../keyword-texts';
import { samePhone, type CommandContext, type CommandResult } from './context';

/**
 * `RECU <num_acquit> [province]`: asks REGIDESO (VerifyTransaction). The subscriber's name is shown
 * only to the phone that made the payment, as our records know it; anyone else holding the number
 * sees it masked.
 */
export async function receiptCommand(
  ctx: CommandContext,
  cmd: { numAcquit: string; province: Province | undefined; language: KeywordLanguage },
): Promise<CommandResult> {
  const lang = cmd.language;
  const record = await findRecord(ctx, cmd.numAcquit);
  if (record?.ownReference === true) {
    // Our own reference for money that landed without REGIDESO's answer: REGIDESO cannot know it.
    return {
      outcome: 'own_reference',
      reply: texts.receiptOwnReference(
        { reference: cmd.numAcquit, amountCentimes: record.amountCentimes, at: record.createdAt, refClient: record.refClient },
        lang,
      ),
    };
  }
  const province = cmd.province ?? record?.province ?? DEFAULT_PROVINCE;
  const result = await ctx.regideso.verifyTransaction(cmd.numAcquit, province);
  switch (result.kind) {
    case 'ok': {
      const t = result.transaction;
      const isPayer = record !== undefined && samePhone(record.phoneNumber, ctx.from);
      const name = t.subscriberName.trim() === '' ? undefined : isPayer ? t.subscriberName : maskName(t.subscriberName);
      return {
        outcome: 'found',
        reply: texts.receiptFound(
          {
            numAcquit: t.numAcquit,
            status: t.status,
            amountCentimes: t.totalPaidCentimes,
            paidAt: t.paidAt,
            subscriberName: name,
            refClient: t.refClient,
          },
          lang,
        ),
      };
    }
    case 'not_found':
      return { outcome: 'not_found', reply: texts.receiptNotFound(cmd.numAcquit, lang) };
    case 'unauthorized':
    case 'unavailable':
      ctx.logger.warn('sms receipt: REGIDESO unavailable', { kind: result.kind, message: result.message, from: ctx.from });
      return { outcome: 'unavailable', reply: texts.unavailable(lang) };
  }
}

async function findRecord(ctx: CommandContext, numAcquit: string): Promise<PaymentRecord | undefined> {
  try {
    return await ctx.records.findByNumAcquit(numAcquit);
  } catch (err) {
    // Without the record the reply is still right, only less personal (name masked).
    ctx.logger.warn('sms receipt: payment records unreachable', { err, from: ctx.from });
    return undefined;
  }
}
