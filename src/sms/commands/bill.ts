import { DEFAULT_PROVINCE, type Province } from '../../provinces';
import type { KeywordLanguage } from '../keywords';
import type { CommandContext, CommandResult } from './context';

/**
 * `FACTURE <ref_client> [province]`: what is owed (GetFact). The reply goes to the phone that typed
 * the reference, so the name may be shown: it is what the USSD menu shows that phone too.
 */
export async function billCommand(
  ctx: CommandContext,
  cmd: { refClient: string; province: Province | undefined; language: KeywordLanguage },
): Promise<CommandResult> {
  const lang = cmd.language;
  const province = cmd.province ?? DEFAULT_PROVINCE;
  const result = await ctx.regideso.getBills(cmd.refClient, province);
  switch (result.kind) {
    case 'ok': {
      const unpaid = result.bills.filter((b) => b.balanceCentimes > 0);
      const name = result.bills.find((b) => b.subscriberName.trim() !== '')?.subscriberName;
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
      return { outcome: 'not_found', reply: ctx.texts.clientNotFound(cmd.refClient, province, lang) };
    case 'unauthorized':
    case 'unavailable':
      ctx.logger.warn('sms bill: REGIDESO unavailable', { kind: result.kind, message: result.message, from: ctx.from });
      return { outcome: 'unavailable', reply: ctx.texts.unavailable(lang) };
  }
}
