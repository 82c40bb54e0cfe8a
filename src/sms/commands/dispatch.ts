import type { ParsedSms } from '../keywords';
import { billCommand } from './bill';
import type { CommandContext, CommandResult } from './context';
import { helpCommand, unknownProvinceCommand, usageCommand } from './help';
import { recentReceiptsCommand } from './recent-receipts';
import { receiptCommand } from './receipt';

/** Runs one parsed SMS; the name is the metrics' `command` label. */
export async function runCommand(ctx: CommandContext, parsed: ParsedSms): Promise<CommandResult & { command: string }> {
  switch (parsed.command) {
    case 'receipt':
      return { command: 'receipt', ...(await receiptCommand(ctx, parsed)) };
    case 'recent_receipts':
      return { command: 'recent_receipts', ...(await recentReceiptsCommand(ctx, parsed)) };
    case 'bill':
      return { command: 'bill', ...(await billCommand(ctx, parsed)) };
    case 'usage':
      return { command: parsed.keyword, ...usageCommand(ctx.texts, parsed) };
    case 'unknown_province':
      return { command: parsed.keyword, ...unknownProvinceCommand(ctx.texts, parsed) };
    case 'help':
      return { command: 'help', ...helpCommand(ctx.texts, parsed) };
  }
}
