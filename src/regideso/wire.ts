import { z } from 'zod';
import { parseCentimes, type Centimes } from '../money';
import { PROVINCE_CODES, type Province } from '../provinces';
import { normaliseDate } from './dates';

/**
 * The wire format of REGIDESO's API, as its document shows it. The document is loose (numbers as
 * strings or numbers, trailing spaces, bills under `data` or `bills`, two date formats), so every
 * schema here accepts each variant it shows and turns it into one domain shape.
 */

/** A string or a number, trimmed: ids and references are sometimes sent as numbers. */
const wireText = z.union([z.string(), z.number()]).transform((v) => String(v).trim());
const wireId = wireText.pipe(z.string().min(1));

/** `"17865.57"`, `"0"` or `17765.57` → integer centimes, never through a float sum. */
export const wireAmount = z.union([z.string(), z.number()]).transform((v, ctx): Centimes => {
  const c = parseCentimes(v);
  if (c === undefined) {
    ctx.addIssue({ code: 'custom', message: `not an amount: ${String(v)}` });
    return z.NEVER;
  }
  return c;
});

/** `"9"` or `9` → 9. */
const wireCount = z.union([z.string(), z.number()]).transform((v, ctx): number => {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `not a count: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});

/** `2024-03-31 00:00:00` or `31-03-2024` → `2024-03-31`. */
const wireDate = z.string().transform((v, ctx): string => {
  const d = normaliseDate(v);
  if (d === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${v}` });
    return z.NEVER;
  }
  return d;
});

const wireName = z
  .string()
  .nullish()
  .transform((v) => (v ?? '').trim());

/** `true`, `"true"`, `1`: a PHP backend may send any of them. */
const wireSuccess = z.union([z.boolean(), z.enum(['true', 'false']), z.literal(0), z.literal(1)]).transform((v) => v === true || v === 'true' || v === 1);

/** What every answer carries; the payload is parsed separately once `success` is known. */
export const envelopeSchema = z.object({
  success: wireSuccess,
  message: z.string().nullish(),
  status: z.string().nullish(),
  data: z.unknown().optional(),
  bills: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** One bill as GetFact lists it (`data`), amounts already in centimes. */
export const wireBillSchema = z
  .object({
    fae_id: wireId,
    ref_client: wireId,
    nom_client: wireName,
    numero_fac: wireId,
    date_fac: wireDate,
    ref_agence: wireName,
    ref_province: wireName,
    montant_fac: wireAmount,
    solde_fac: wireAmount.optional(),
    payments: wireAmount.optional(),
    solde: wireAmount.optional(),
  })
  .refine((b) => b.solde !== undefined || b.solde_fac !== undefined, 'a bill needs solde or solde_fac');
export type WireBill = z.infer<typeof wireBillSchema>;

/** One bill as PayFact's answer lists it (`bills`), with the receipt fields. */
export const wirePaidBillSchema = z
  .object({
    fae_id: wireId,
    ref_client: wireId.optional(),
    nom_client: wireName,
    numero_fac: wireText.optional(),
    date_fac: wireDate.optional(),
    montant_fac: wireAmount.optional(),
    payments: wireAmount.optional(),
    solde: wireAmount,
    montant_payer: wireAmount,
    num_acquit: wireText.optional(),
    cle: wireText.optional(),
    nombre_factures_impayees: wireCount.optional(),
    montant_total_de_la_dette: wireAmount.optional(),
    date_payement: wireText.optional(),
  })
  .transform((b) => ({ ...b, numAcquit: b.num_acquit || b.cle || undefined }));
export type WirePaidBill = z.infer<typeof wirePaidBillSchema>;

/** One entry of VerifyTransaction's `data`. */
export const wireTransactionSchema = z.object({
  ref_client: wireId,
  nom_client: wireName,
  total_payments: wireAmount,
  nbre_transactions: wireCount,
  date_payement: wireText,
  opérateur: wireText.optional(),
  operateur: wireText.optional(),
});

/** PayFact's request body, as the client sends it and the sandbox parses it. */
export interface PayFactBody {
  ref_client: string;
  /** Decimal francs as text: `"100"`, `"17865.57"`. */
  amount: string;
  /** `YYYY-MM-DD HH:mm:ss` in the province's local time. */
  date_payement: string;
  province: Province;
  opérateur: string;
  bills: Array<{ fae_id: string }>;
}

/** The sandbox's parse of a PayFact body: strict on what it needs, French messages for the caller. */
export const payFactBodySchema = z.object({
  ref_client: wireText.pipe(z.string().min(1, 'ref_client est requis.')),
  amount: z.union([z.string(), z.number()], 'amount est requis.').transform((v, ctx): Centimes => {
    const c = parseCentimes(v);
    if (c === undefined) {
      ctx.addIssue({ code: 'custom', message: "amount n'est pas un montant valide." });
      return z.NEVER;
    }
    return c;
  }),
  date_payement: z
    .string('date_payement est requis (AAAA-MM-JJ HH:mm:ss).')
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'date_payement doit avoir la forme AAAA-MM-JJ HH:mm:ss.')
    .refine((v) => normaliseDate(v.slice(0, 10)) !== undefined, "date_payement n'est pas une date valide."),
  province: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(PROVINCE_CODES, 'province doit valoir KIN, KC, KAT, NK, SK, MB ou KAN.'))
    .optional()
    .transform((v): Province => v ?? 'KIN'),
  opérateur: z.string('opérateur est requis.').trim().min(1, 'opérateur est requis.').max(40, 'opérateur est trop long.'),
  bills: z
    .array(z.object({ fae_id: wireId }, 'Chaque facture doit avoir un fae_id.'), 'bills est requis.')
    .min(1, 'Indiquez au moins une facture.')
    .max(50, 'Trop de factures dans une seule demande.')
    .refine((bs) => new Set(bs.map((b) => b.fae_id)).size === bs.length, 'Une facture est indiquée deux fois.'),
});
export type ParsedPayFactBody = z.infer<typeof payFactBodySchema>;
