import type { Province } from '../../provinces';
import { hasPaidRef } from '../../sessions/subscriber-prefs';
import type { CommandContext } from './context';

/** How many of the phone's latest payments the ledger is asked about when Redis has no entry. */
const LEDGER_LOOKBACK = 20;

/**
 * Whether the phone that texted has paid this reference through us, so may see its holder's name:
 * the phone's preferences in Redis first (written when a payment lands), then its latest payments in
 * the ledger, for an entry lost with Redis. Either one unreadable counts as "no": masked is the safe side.
 */
export async function paidFromThisPhone(ctx: CommandContext, ref: string, province: Province): Promise<boolean> {
  try {
    if (hasPaidRef((await ctx.prefs.get(ctx.from)).paidRefs, ref, province)) return true;
  } catch (err) {
    ctx.logger.warn('sms: phone preferences unreadable: names stay masked', { err, from: ctx.from });
  }
  try {
    const recent = await ctx.records.recentByPhone(ctx.from, LEDGER_LOOKBACK);
    return hasPaidRef(
      recent.filter((r) => r.status === 'succeeded' || r.status === 'reconciled').map((r) => ({ ref: r.refClient, province: r.province, maskedName: '', at: 0 })),
      ref,
      province,
    );
  } catch (err) {
    ctx.logger.warn('sms: payment records unreachable: names stay masked', { err, from: ctx.from });
    return false;
  }
}
