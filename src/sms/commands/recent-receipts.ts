import type { PaymentRecord } from '../../payments/types';
import { provinceLocalTime } from '../../provinces';
import type { KeywordLanguage } from '../keywords';
import type { RecentPaymentView, RecentStatus } from '../keyword-texts';
import type { CommandContext, CommandResult } from './context';

const HOW_MANY = 3;

/** `RECU` alone: the last payments made from this very phone, from our own records. */
export async function recentReceiptsCommand(ctx: CommandContext, cmd: { language: KeywordLanguage }): Promise<CommandResult> {
  const records = await ctx.records.recentByPhone(ctx.from, HOW_MANY);
  const views = records.slice(0, HOW_MANY).map(toView);
  return { outcome: views.length === 0 ? 'none' : 'listed', reply: ctx.texts.recentReceipts(views, cmd.language) };
}

function toView(r: PaymentRecord): RecentPaymentView {
  const at = Number.isNaN(Date.parse(r.createdAt)) ? r.createdAt : provinceLocalTime(new Date(r.createdAt), r.province);
  return { numAcquit: r.numAcquit ?? undefined, refClient: r.refClient, amountCentimes: r.amountCentimes, at, status: statusOf(r) };
}

function statusOf(r: PaymentRecord): RecentStatus {
  switch (r.status) {
    case 'succeeded':
      return 'succeeded';
    case 'reconciled':
      // The money landed; the receipt number is our own reference.
      return 'succeeded';
    case 'failed':
    case 'refunded':
      return 'failed';
    case 'pending':
    case 'collecting':
    case 'collected':
    case 'submitted':
    case 'refunding':
      return 'in_progress';
    case 'uncertain':
    case 'partial':
    case 'refund_failed':
      return 'checking';
  }
}
