import type { Logger } from '../logging/logger';
import { ACTIONS } from './actions';
import { isActionName, type ActionContext, type ActionDeps, type ActionResult } from './actions/types';

/** Kept back from the hop's budget for saving the session and writing the answer. */
export const SAVE_MARGIN_MS = 400;

export type RunAction = (name: string, ctx: Omit<ActionContext, 'signal'>, deadline: number) => Promise<ActionResult>;

/**
 * Runs a named action against what remains of the hop's budget: an action that overruns it, or
 * throws, is `unavailable` (every menu routes that outcome), and its signal is aborted so it starts
 * no further call.
 */
export function createActionRunner(deps: ActionDeps & { logger: Logger }): RunAction {
  const { logger } = deps;
  return async (name, ctx, deadline) => {
    const remaining = deadline - Date.now() - SAVE_MARGIN_MS;
    if (!isActionName(name) || remaining <= 0) return { outcome: 'unavailable' };
    const budget = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ActionResult>((resolve) => {
      timer = setTimeout(() => {
        logger.warn('ussd action overran the hop budget', { sessionId: ctx.sessionId, action: name, budgetMs: remaining });
        budget.abort();
        resolve({ outcome: 'unavailable' });
      }, remaining);
    });
    const action = ACTIONS[name];
    // What the action reads, parsed once here: its body sees typed values (reads.ts).
    const run = Promise.resolve()
      .then(() => action.run({ ...ctx, signal: budget.signal }, deps, action.reads.parse(ctx.vars)))
      .catch((err: unknown) => {
        logger.error('ussd action failed', { sessionId: ctx.sessionId, action: name, err });
        return { outcome: 'unavailable' } satisfies ActionResult;
      });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The action may run before its hop holds the session, and again if that guess is refused (ActionDef.local). */
export const isLocal = (name: string): boolean => isActionName(name) && ACTIONS[name].local === true;
