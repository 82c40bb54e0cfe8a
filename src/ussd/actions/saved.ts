import { z } from 'zod';
import type { Vars } from '../../json';
import type { PaidRef } from '../../sessions/types';
import { read } from './reads';
import { defineAction } from './types';

/**
 * Saved accounts: the references this phone has paid (Prefs.paidRefs, read with the hop's first
 * round trip, newest first), one key each. The session keeps only what its screens show, as
 * `saved<N>Ref`, `saved<N>Province` and `saved<N>Name` (the masked name): the most recent on the
 * first screen, the three most recent once "My accounts" is opened. A key answers what the
 * screen showed, whatever the phone's list became meanwhile.
 */
export const SAVED_SHOWN = 3;

/** The session values of the first `count` paid references; emptied slots up to `clearTo` are cleared. */
export function savedVars(paidRefs: readonly PaidRef[], count: number, clearTo = 0): Vars {
  const out: Vars = {};
  for (let i = 0; i < Math.max(count, clearTo); i++) {
    const p = i < count ? paidRefs[i] : undefined;
    const n = i + 1;
    out[`saved${n}Ref`] = p?.ref ?? null;
    out[`saved${n}Province`] = p?.province ?? null;
    out[`saved${n}Name`] = p?.maskedName ?? null;
  }
  return out;
}

/** What a new session starts with: the most recent paid reference, for the first screen's key. */
export function firstScreenSaved(paidRefs: readonly PaidRef[]): Vars {
  return paidRefs.length === 0 ? {} : savedVars(paidRefs, 1);
}

/** The session values of the slots shown: `saved1Ref`, `saved1Province`, `saved1Name`… */
const SAVED_SETS = Object.keys(savedVars([], 0, SAVED_SHOWN));

/** "My accounts": the three most recent, from this hop's read of the phone (a payment since counts). */
export const listSaved = defineAction({
  local: true,
  reads: z.object({}),
  sets: SAVED_SETS,
  async run(ctx) {
    const set = savedVars(ctx.paidRefs, Math.min(ctx.paidRefs.length, SAVED_SHOWN), SAVED_SHOWN);
    return { outcome: ctx.paidRefs.length === 0 ? 'none' : 'list', set };
  },
});

/**
 * Takes the account shown under the key chosen (`savedPick`) off the phone's list. From then on
 * this phone is a stranger to it: its holder's name shows masked and a lookup counts against the
 * day's limit, until the phone pays it again.
 */
export const forgetSaved = defineAction({
  reads: z.object({
    savedPick: z.enum(['1', '2', '3']).optional().catch(undefined),
    saved1Ref: read.text,
    saved1Province: read.province,
    saved2Ref: read.text,
    saved2Province: read.province,
    saved3Ref: read.text,
    saved3Province: read.province,
  }),
  sets: ['refClient'],
  async run(ctx, deps, v) {
    const n = v.savedPick;
    const ref = n === undefined ? undefined : v[`saved${n}Ref`];
    const province = n === undefined ? undefined : v[`saved${n}Province`];
    if (deps.paidRefs === undefined || ref === undefined || province === undefined) return { outcome: 'unavailable' };
    await deps.paidRefs.forgetPaidRef(ctx.phone, ref, province);
    return { outcome: 'done', set: { refClient: ref } };
  },
});
