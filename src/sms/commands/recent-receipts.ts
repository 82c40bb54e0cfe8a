import type { PaymentRecord } from '../../payments/types';
import { provinceLocalTime } from '../../provinces';
import type { KeywordLanguage } from '../keywords';
import * as texts from '../keyword-texts';
import type { CommandContext, CommandResult } from './context';

const HOW_MANY = 3;

/** `RECU` alone: the last payments made from this very phone, from our own records. */
export async function recentReceiptsCommand(ctx: CommandContext, cmd: { language: KeywordLanguage }): Promise<CommandResult> {
  const records = await ctx.records.recentByPhone(ctx.from, HOW_MANY);
  const views = records.slice(0, HOW_MANY).map(toView);
  return { outcome: views.length === 0 ? 'none' : 'listed', reply: texts.recentReceipts(views, cmd.language) };
}

function toView(r: PaymentRecord): texts.RecentPaymentView {
  const at = Number.isNaN(Date.parse(r.createdAt)) ? r.createdAt : provinceLocalTime(new Date(r.createdAt), r.province);
  return { numAcquit: r.numAcquit, refClient: r.refClient, amountCentimes: r.amountCentimes, at, status: statusOf(r) };
}

function statusOf(r: PaymentRecord): texts.RecentStatus {
  switch (r.status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'pending':
    case 'submitted':
      return 'in_progress';
    case 'uncertain':
      return 'checking';
    case 'reconciled':
      // Reconciliation settled an uncertain payment: it landed when a receipt number exists.
      return r.numAcquit !== undefined ? 'succeeded' : 'failed';
  }
}
