import { listenOn } from '../../listen';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { SANDBOX_API_KEY } from '../../config';
import { formatCdf } from '../../money';
import { PROVINCE_CODES, type Province } from '../../provinces';
import { payFactBodySchema } from '../wire';
import { DEMO_SUBSCRIBERS } from './data';
import { createLedger, type AppliedPayment, type Ledger } from './ledger';
import { getFactBill, payFactBills, verifyData } from './responses';

/**
 * A REGIDESO stand-in that speaks the API document's wire format over real HTTP: the embedded
 * default when no REGIDESO_BASE_URL is set, and the far end of every integration test. Faults are
 * injected only through the object `startSandbox` returns, never over HTTP, so nothing reachable
 * from the network can make it misbehave. The one exception is opt-in and for tests that run the
 * sandbox as a process of its own: with `adminToken` set (`npm run sandbox -- --admin-token T`),
 * `POST /sandbox-admin/forget` `{"num_acquit": "…"}` with `x-admin-token: T` makes it forget a
 * receipt, as `forget()` does; without the option the route does not exist.
 */
export type SandboxFault =
  | { kind: 'error500' }
  | { kind: 'hang'; ms: number }
  | { kind: 'dropAfterApply' }
  | { kind: 'reset' }
  /** A definitive refusal (`success: false`, HTTP 400) with REGIDESO's own words; nothing applied. */
  | { kind: 'refuse'; message: string };

export interface SandboxOptions {
  /** Default SANDBOX_API_KEY from src/config.ts. */
  apiKey?: string;
  /** Added before every answer, to feel a slow network. */
  latencyMs?: number;
  now?: () => Date;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, the test-only `POST /sandbox-admin/forget` route exists, behind `x-admin-token`. Never set by the product. */
  adminToken?: string;
}

type Endpoint = 'getFact' | 'payFact' | 'verify';

export interface RunningSandbox {
  baseUrl: string;
  apiKey: string;
  /** Faults consumed one per request, first in first out, per endpoint. Only the code that created the sandbox holds this object: no HTTP route can switch a fault. */
  faults: Record<Endpoint, SandboxFault[]>;
  /** Requests received per endpoint (after the key check). */
  calls: Record<Endpoint, number>;
  /** Payments applied, in order (for tests to assert "exactly one"). */
  payments(): Array<{ numAcquit: string; refClient: string; province: string; amountCentimes: number; billIds: string[]; operator: string }>;
  /** REGIDESO loses the record of this receipt: VerifyTransaction answers "not found" from now on (the bills stay paid). False when it never knew it. */
  forget(numAcquit: string): boolean;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const NOT_FOUND_CLIENT = "Ce client n'existe pas dans la base de données.";

const provinceParam = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(PROVINCE_CODES))
  .optional()
  .transform((v): Province => v ?? 'KIN');

const getFactQuery = z.object({ ref_client: z.string().trim().min(1), province: provinceParam });
const verifyQuery = z.object({ num_acquit: z.string().trim().min(1), province: provinceParam });

function invalid(message: string): Reply {
  return { status: 400, body: { success: false, message } };
}

/** French text for the first problem in a query or body, so the caller can fix it. */
function firstProblem(error: z.ZodError, fallback: string): string {
  const issue = error.issues[0];
  if (!issue) return fallback;
  if (issue.code === 'custom' || !issue.message.startsWith('Invalid')) return issue.message;
  const field = issue.path.join('.');
  return field ? `Le champ ${field} est absent ou invalide.` : fallback;
}

function handleGetFact(ledger: Ledger, query: unknown): Reply {
  const q = getFactQuery.safeParse(query);
  if (!q.success) {
    const field = q.error.issues[0]?.path[0];
    return invalid(field === 'province' ? 'Province invalide. Valeurs possibles : KIN, KC, KAT, NK, SK, MB, KAN.' : 'Le paramètre ref_client est requis.');
  }
  const s = ledger.findSubscriber(q.data.ref_client, q.data.province);
  if (!s) return { status: 404, body: { message: NOT_FOUND_CLIENT, success: false, bills: [] } };
  return { status: 200, body: { success: true, message: 'Vos données', data: s.bills.map((b) => getFactBill(s, b)) } };
}

function handlePayFact(ledger: Ledger, rawBody: unknown): Reply {
  const parsed = payFactBodySchema.safeParse(rawBody ?? {});
  if (!parsed.success) return invalid(firstProblem(parsed.error, 'Corps de requête invalide.'));
  const b = parsed.data;
  const result = ledger.pay({
    refClient: b.ref_client,
    province: b.province,
    amountCentimes: b.amount,
    billIds: b.bills.map((x) => x.fae_id),
    operator: b.opérateur,
    datePayement: b.date_payement,
  });
  switch (result.kind) {
    case 'client_not_found':
      return { status: 404, body: { message: NOT_FOUND_CLIENT, success: false, bills: [] } };
    case 'bills_not_owned':
      return {
        status: 422,
        body: {
          success: false,
          status: 'échec',
          message: `Les factures suivantes n'existent pas pour le client ${result.subscriber.name.trim()} (${result.subscriber.refClient}) : ${result.missing.join(', ')}`,
          bills: [],
        },
      };
    case 'no_unpaid_bill':
      return { status: 422, body: { message: 'Aucune facture impayée pour ce client!', success: false, bills: [] } };
    case 'amount_not_positive':
      return { status: 422, body: { success: false, status: 'échec', message: 'Le montant doit être supérieur à zéro.', bills: [] } };
    case 'amount_above_balance':
      return {
        status: 422,
        body: {
          success: false,
          status: 'échec',
          message: `Le montant dépasse le solde des factures sélectionnées (${formatCdf(result.balanceCentimes)}).`,
          bills: [],
        },
      };
    case 'paid':
      return {
        status: 200,
        body: { success: true, message: 'Paiement enregistré avec succès', bills: payFactBills(result.subscriber, result.payment, result.paidBills) },
      };
  }
}

function handleVerify(ledger: Ledger, query: unknown): Reply {
  const q = verifyQuery.safeParse(query);
  if (!q.success) {
    const field = q.error.issues[0]?.path[0];
    return invalid(field === 'province' ? 'Province invalide. Valeurs possibles : KIN, KC, KAT, NK, SK, MB, KAN.' : 'Le paramètre num_acquit est requis.');
  }
  const payment = ledger.findPayment(q.data.num_acquit, q.data.province);
  if (!payment) {
    return {
      status: 404,
      body: { success: false, status: 'échec', message: `Aucune transaction trouvée pour le numéro ${q.data.num_acquit}.`, data: [] },
    };
  }
  return {
    status: 200,
    body: {
      success: true,
      status: 'succès',
      message: `Détails des paiements pour la transaction ${payment.numAcquit}`,
      data: verifyData(ledger.findSubscriber(payment.refClient, payment.province), payment),
    },
  };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const apiKey = opts.apiKey ?? SANDBOX_API_KEY;
  const ledger = createLedger(DEMO_SUBSCRIBERS, opts.now ?? (() => new Date()));
  const faults: RunningSandbox['faults'] = { getFact: [], payFact: [], verify: [] };
  const calls: RunningSandbox['calls'] = { getFact: 0, payFact: 0, verify: 0 };
  const latencyMs = Math.max(0, opts.latencyMs ?? 0);
  let closed = false;

  // Pending waits (latency, hang faults): close() ends them so no timer outlives the sandbox.
  const waits = new Map<NodeJS.Timeout, () => void>();
  function wait(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        waits.delete(t);
        resolve();
      }, ms);
      waits.set(t, resolve);
    });
  }

  function endpoint(name: Endpoint, handle: (req: Request) => Reply) {
    return async (req: Request, res: Response): Promise<void> => {
      calls[name]++;
      const fault = faults[name].shift();
      await wait(latencyMs);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'error500') {
        res.status(500).json({ success: false, message: 'Erreur interne du serveur.' });
        return;
      }
      if (fault?.kind === 'refuse') {
        res.status(400).json({ success: false, message: fault.message });
        return;
      }
      if (fault?.kind === 'hang') await wait(fault.ms);
      if (closed) {
        req.socket.destroy();
        return;
      }
      // Handled even when the caller has given up waiting: that is how a real payment lands unseen.
      const reply = handle(req);
      if (fault?.kind === 'dropAfterApply') {
        req.socket.destroy();
        return;
      }
      if (!res.writableEnded && !req.socket.destroyed) res.status(reply.status).json(reply.body);
    };
  }

  const app = express();
  app.disable('x-powered-by');
  app.use('/api', (req: Request, res: Response, next: NextFunction) => {
    if (req.get('x-api-key') !== apiKey) {
      res.status(401).json({ success: false, message: 'Clé API absente ou invalide.' });
      return;
    }
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  if (opts.adminToken !== undefined && opts.adminToken.length > 0) {
    const adminToken = opts.adminToken;
    const forgetBody = z.object({ num_acquit: z.string().trim().min(1) });
    app.post('/sandbox-admin/forget', (req: Request, res: Response) => {
      if (req.get('x-admin-token') !== adminToken) {
        res.status(401).json({ success: false, message: 'Jeton d administration absent ou invalide.' });
        return;
      }
      const b = forgetBody.safeParse(req.body ?? {});
      if (!b.success) {
        res.status(400).json({ success: false, message: 'Le champ num_acquit est requis.' });
        return;
      }
      res.json({ success: true, forgotten: ledger.forget(b.data.num_acquit) });
    });
  }
  app.get('/api/factures', endpoint('getFact', (req) => handleGetFact(ledger, req.query)));
  app.post('/api/factures', endpoint('payFact', (req) => handlePayFact(ledger, req.body)));
  app.get('/api/transactionId', endpoint('verify', (req) => handleVerify(ledger, req.query)));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ success: false, message: 'Ressource introuvable.' });
  });
  // express.json's errors (malformed JSON, body too large) arrive here with their HTTP status.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    const message = status === 413 ? 'Corps de requête trop volumineux.' : status < 500 ? 'Corps de requête JSON invalide.' : 'Erreur interne du serveur.';
    res.status(status).json({ success: false, message });
  });

  const { server, baseUrl } = await listenOn(app, opts);

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    apiKey,
    faults,
    calls,
    payments: () =>
      ledger.payments().map((p: AppliedPayment) => ({
        numAcquit: p.numAcquit,
        refClient: p.refClient,
        province: p.province,
        amountCentimes: p.amountCentimes,
        billIds: p.billIds,
        operator: p.operator,
      })),
    forget: (numAcquit) => ledger.forget(numAcquit),
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const [t, release] of waits) {
          clearTimeout(t);
          release();
        }
        waits.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
