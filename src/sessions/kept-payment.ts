import { z } from 'zod';
import { PROVINCE_CODES, type Province } from '../provinces';

/**
 * A payment the network dropped past the bills, kept 30 minutes under the phone's hash tag so the
 * next dial can offer to finish it. What was chosen, nothing more: the bills are read again from
 * REGIDESO on resuming, and the holder's name is kept masked only (it is shown before the
 * subscriber has typed anything).
 */
export const KEEP_SECONDS = 30 * 60;

const keptSchema = z.object({
  /** ref_client, province. */
  r: z.string().regex(/^[A-Za-z0-9-]{1,30}$/),
  p: z.enum(PROVINCE_CODES),
  /** The holder's name, masked (`KAHINDO M.`). */
  n: z.string().max(60),
  /** The chosen bills (fae ids). */
  b: z.array(z.string().max(40)).min(1).max(60),
  /** Their balance then, and the amount chosen (absent when dropped before choosing one), centimes. */
  t: z.int().positive(),
  a: z.int().positive().optional(),
  /** The wallet, when one was told or picked. */
  w: z.string().max(40).optional(),
});

export interface KeptPayment {
  refClient: string;
  province: Province;
  maskedName: string;
  billIds: string[];
  balanceCentimes: number;
  amountCentimes: number | undefined;
  provider: string | undefined;
}

export function encodeKept(k: KeptPayment): string {
  const raw: z.input<typeof keptSchema> = { r: k.refClient, p: k.province, n: k.maskedName, b: k.billIds, t: k.balanceCentimes };
  if (k.amountCentimes !== undefined) raw.a = k.amountCentimes;
  if (k.provider !== undefined) raw.w = k.provider;
  return JSON.stringify(raw);
}

/** Read as outside data: anything unreadable is no kept payment. */
export function decodeKept(raw: unknown): KeptPayment | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const r = keptSchema.safeParse(json);
  if (!r.success) return undefined;
  const k = r.data;
  return { refClient: k.r, province: k.p, maskedName: k.n, billIds: k.b, balanceCentimes: k.t, amountCentimes: k.a, provider: k.w };
}
