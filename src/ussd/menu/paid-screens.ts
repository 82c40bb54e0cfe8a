import type { Menu } from './model';

/** The outcomes of the confirm action under which a payment was recorded (src/ussd/actions/payment.ts). */
const RECORDED = new Set(['succeeded', 'pending', 'collecting', 'applied_without_receipt']);

/**
 * The END screens a session reaches once its payment is recorded: a session ending there did not
 * drop. Read from the menu itself (the confirm action's outcomes), so a renamed screen follows.
 */
export function paidScreensOf(menu: Menu): Set<string> {
  const out = new Set<string>();
  for (const screen of Object.values(menu.screens)) {
    if (screen.type !== 'action' || screen.action !== 'confirmPayment') continue;
    for (const [outcome, next] of Object.entries(screen.outcomes)) if (RECORDED.has(outcome)) out.add(next);
  }
  return out;
}
