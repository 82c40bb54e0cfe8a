import { maskHolderName } from '../../privacy/masking';
import { DEFAULT_PROVINCE, type Province } from '../../provinces';
import type { KeywordLanguage } from '../keywords';
import type { CommandContext, CommandResult } from './context';
import { paidFromThisPhone } from './paid-reference';

/**
 * `FACTURE <ref_client> [province]`: what is owed (GetFact). The amounts are shown to anyone (they
 * are needed to pay); the holder's name whole only to a phone that has paid this reference, masked
 * to any other, which also counts it among the references it may look up today.
 */
export async function billCommand(
  ctx: CommandContext,
  cmd: { refClient: string; province: Province | undefined; language: KeywordLanguage },
): Promise<CommandResult> {
  const lang = cmd.language;
  const province = cmd.province ?? DEFAULT_PROVINCE;
  const paid = await paidFromThisPhone(ctx, cmd.refClient, province);
  if (!paid && !(await ctx.lookups.take(ctx.from, cmd.refClient, province, 'sms'))) {
    return { outcome: 'limited', reply: ctx.texts.lookupLimited(ctx.lookups.perDay, lang) };
  }
  const result = await ctx.regideso.getBills(cmd.refClient, province);
  switch (result.kind) {
    case 'ok': {
      if (!paid) ctx.lookups.found('sms', 'found');
      const unpaid = result.bills.filter((b) => b.balanceCentimes > 0);
      const holder = result.bills.find((b) => b.subscriberName.trim() !== '')?.subscriberName;
      const name = holder === undefined || paid ? holder : maskHolderName(holder);
      const oldest = [...unpaid].sort((a, b) => a.issuedOn.localeCompare(b.issuedOn))[0];
      if (oldest === undefined) {
        return { outcome: 'no_unpaid', reply: ctx.texts.noUnpaidBill({ refClient: cmd.refClient, province, subscriberName: name }, lang) };
      }
      return {
        outcome: 'summary',
        reply: ctx.texts.billSummary(
          {
            refClient: cmd.refClient,
            province,
            subscriberName: name ?? '',
            unpaidCount: unpaid.length,
            totalCentimes: unpaid.reduce((sum, b) => sum + b.balanceCentimes, 0),
            oldest: { issuedOn: oldest.issuedOn, balanceCentimes: oldest.balanceCentimes },
          },
          lang,
        ),
      };
    }
    case 'client_not_found':
      if (!paid) ctx.lookups.found('sms', 'not_found');
      return { outcome: 'not_found', reply: ctx.texts.clientNotFound(cmd.refClient, province, lang) };
    case 'unauthorized':
    case 'unavailable':
      ctx.logger.warn('sms bill: REGIDESO unavailable', { kind: result.kind, message: result.message, from: ctx.from });
      return { outcome: 'unavailable', reply: ctx.texts.unavailable(lang) };
  }
}
