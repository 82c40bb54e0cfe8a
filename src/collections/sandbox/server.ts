import axios from 'axios';
import { listenOn } from '../../listen';
import express, { type NextFunction, type Request, type Response } from 'express';
import { providerFromPrefix } from '../prefixes';
import { isProvider, type Provider } from '../types';
import { signCallback, type CallbackSigningKey } from './callback-signer';
import { activeConfBody, availabilityBody, DEFAULT_PROVIDER_CONF, DEPOSIT_STATUSES, type DepositStatusNow, type SandboxProviderConf } from './provider-conf';
import { failureBody, predictRequestSchema, readBody, type Reply } from './requests';
import { createWalletState, type DepositStatus, type RefundStatus, type WalletPrompt } from './wallet-state';

/**
 * A pawaPay-compatible wallet over real HTTP (Merchant API v2 paths and shapes): the embedded
 * default when no PAWAPAY_BASE_URL is set, the far end of every collection test, and the wallet
 * behind the browser phone's PIN prompt. Outcomes are decided by the payer's test number (see
 * test-numbers.ts). Faults are injected only through the object `startSandboxWallet` returns, never
 * over HTTP, so nothing reachable from the network can make it misbehave. A provider's deposits can
 * be closed or delayed (as pawaPay's operations team does) through that object, the command line,
 * or `PUT /sandbox/providers/{provider}` with the API token: its active configuration and
 * availability say so, and a closed provider's deposits are rejected.
 */

export type { WalletPrompt } from './wallet-state';

/** The Bearer token the sandbox wallet accepts unless told otherwise. */
export const SANDBOX_WALLET_API_TOKEN = 'sandbox-wallet-token';

export type WalletFault =
  | { kind: 'error500' }
  | { kind: 'hang'; ms: number }
  /** The request is applied (the deposit or refund exists), but the answer is lost. */
  | { kind: 'dropAfterApply'; answer?: 'reset' | 'error500' }
  | { kind: 'reset' }
  /** Initiation only: the callback of the deposit or refund it creates is sent twice. */
  | { kind: 'duplicateCallback' };

export type WalletEndpoint = 'deposits' | 'depositStatus' | 'refunds' | 'refundStatus' | 'activeConf' | 'availability' | 'predictProvider';

export interface SandboxWalletOptions {
  /** Default SANDBOX_WALLET_API_TOKEN. */
  apiToken?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added before every answer, to feel a slow network. */
  latencyMs?: number;
  /** How long a deposit waits before it is approved on its own, or fails per its test number. Default 1500. */
  approveDelayMs?: number;
  /** How long a prompt a phone has shown waits for its PIN before failing as not approved. Default 60 000. */
  promptTimeoutMs?: number;
  /** How long a refund takes to complete. Default 1000. */
  refundDelayMs?: number;
  callbackUrls?: { deposit?: string; refund?: string };
  /** When set, callbacks carry RFC 9421 signature headers made with this key, as pawaPay's do. */
  callbackSigning?: CallbackSigningKey;
  /** The active configuration's CDF providers. Default DEFAULT_PROVIDER_CONF. */
  providers?: readonly SandboxProviderConf[];
  /** predict-provider answers for numbers that left their prefix's operator (E.164 → provider). */
  portedNumbers?: Record<string, Provider>;
  now?: () => Date;
}

export interface SandboxDeposit {
  depositId: string;
  status: DepositStatus;
  amount: string;
  amountCentimes: number;
  provider: Provider;
  phoneNumber: string;
  customerMessage: string | undefined;
  clientReferenceId: string | undefined;
  failureCode: string | undefined;
  providerTransactionId: string | undefined;
  created: string;
}

export interface SandboxRefund {
  refundId: string;
  depositId: string;
  status: RefundStatus;
  amount: string;
  amountCentimes: number;
  failureCode: string | undefined;
  created: string;
}

export interface SentCallback {
  kind: 'deposit' | 'refund';
  id: string;
  status: string;
  url: string;
  /** The receiver's HTTP status, or undefined when it could not be reached (see `error`). */
  httpStatus: number | undefined;
  error: string | undefined;
  signed: boolean;
}

export interface SimulatorWallet {
  /** PIN prompts waiting on that phone. Asking shows them: they then wait for `answer`. */
  prompts(phoneE164: string): Promise<WalletPrompt[]>;
  /** Any four digits approve; a decline (or a malformed PIN) fails the deposit as not approved. */
  answer(depositId: string, answer: { pin: string } | { decline: true }): Promise<'approved' | 'declined' | 'not_found'>;
}

export interface RunningSandboxWallet {
  baseUrl: string;
  apiToken: string;
  /** Requests received per endpoint (after the token check). */
  calls: Record<WalletEndpoint, number>;
  /** Faults consumed one per request, first in first out, per endpoint. No HTTP route can switch a fault. */
  faults: Record<WalletEndpoint, WalletFault[]>;
  deposits(): SandboxDeposit[];
  refunds(): SandboxRefund[];
  /** Every callback sent (or attempted), in order. */
  callbacks(): SentCallback[];
  setCallbackUrls(urls: { deposit?: string; refund?: string }): void;
  /** The active configuration's providers; replace to change limits or close a provider. */
  setProviders(providers: readonly SandboxProviderConf[]): void;
  /** One provider's deposits OPERATIONAL, DELAYED or CLOSED (active configuration and availability alike). */
  setDepositStatus(provider: Provider, status: DepositStatusNow): void;
  simulator: SimulatorWallet;
  close(): Promise<void>;
}

const ENDPOINTS: readonly WalletEndpoint[] = ['deposits', 'depositStatus', 'refunds', 'refundStatus', 'activeConf', 'availability', 'predictProvider'];

function perEndpoint<T>(make: () => T): Record<WalletEndpoint, T> {
  return Object.fromEntries(ENDPOINTS.map((e) => [e, make()])) as Record<WalletEndpoint, T>;
}

function handlePredict(body: unknown, ported: Record<string, Provider>): Reply {
  const read = readBody(predictRequestSchema, body, 'phoneNumber');
  if (!read.ok) return read.reply;
  // pawaPay's sanitising: no plus, no spaces, digits only.
  const msisdn = read.value.phoneNumber.replace(/\D/g, '');
  const provider = ported[`+${msisdn}`] ?? providerFromPrefix(`+${msisdn}`);
  if (!provider) return { status: 400, body: { failureReason: { failureCode: 'INVALID_PHONE_NUMBER', failureMessage: 'The phone number is not a valid number of a supported provider' } } };
  return { status: 200, body: { country: 'COD', provider, phoneNumber: msisdn } };
}

export async function startSandboxWallet(opts: SandboxWalletOptions = {}): Promise<RunningSandboxWallet> {
  const apiToken = opts.apiToken ?? SANDBOX_WALLET_API_TOKEN;
  const now = opts.now ?? (() => new Date());
  const latencyMs = Math.max(0, opts.latencyMs ?? 0);
  const ported = opts.portedNumbers ?? {};
  let providers: readonly SandboxProviderConf[] = opts.providers ?? DEFAULT_PROVIDER_CONF;
  let callbackUrls = { ...opts.callbackUrls };
  const faults = perEndpoint<WalletFault[]>(() => []);
  const calls = perEndpoint(() => 0);
  const sent: SentCallback[] = [];
  const deliveries = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  let closed = false;

  const wallet = createWalletState({
    providers: () => providers,
    approveDelayMs: Math.max(0, opts.approveDelayMs ?? 1500),
    promptTimeoutMs: Math.max(0, opts.promptTimeoutMs ?? 60_000),
    refundDelayMs: Math.max(0, opts.refundDelayMs ?? 1000),
    now,
    onFinal(kind, id) {
      if (kind === 'deposit') {
        const d = wallet.deposit(id);
        if (!d || (d.scenario.kind === 'approve' && d.scenario.callbackLost)) return;
        track(deliver('deposit', id, d.status, wallet.depositData(d), d.duplicateCallback ? 2 : 1));
      } else {
        const r = wallet.refund(id);
        if (!r) return;
        track(deliver('refund', id, r.status, wallet.refundData(r), r.duplicateCallback ? 2 : 1));
      }
    },
  });

  function track(p: Promise<void>): void {
    deliveries.add(p);
    void p.finally(() => deliveries.delete(p));
  }

  /** POSTs the final status to the configured URL, `times` times in a row (a duplicate fault). */
  async function deliver(kind: 'deposit' | 'refund', id: string, status: string, body: Record<string, unknown>, times: number): Promise<void> {
    const url = kind === 'deposit' ? callbackUrls.deposit : callbackUrls.refund;
    if (!url) return;
    const text = JSON.stringify(body);
    for (let i = 0; i < times && !closed; i++) {
      const headers = opts.callbackSigning ? signCallback({ method: 'POST', url, body: text, now: now() }, opts.callbackSigning) : { 'content-type': 'application/json' };
      const abort = new AbortController();
      aborts.add(abort);
      try {
        const res = await axios.post(url, text, { headers, timeout: 5000, signal: abort.signal, validateStatus: () => true, transformRequest: [(d: unknown) => d], maxRedirects: 0 });
        sent.push({ kind, id, status, url, httpStatus: res.status, error: undefined, signed: opts.callbackSigning !== undefined });
      } catch (err) {
        sent.push({ kind, id, status, url, httpStatus: undefined, error: err instanceof Error ? err.message : String(err), signed: opts.callbackSigning !== undefined });
      } finally {
        aborts.delete(abort);
      }
    }
  }

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

  const UNKNOWN_ERROR = failureBody('UNKNOWN_ERROR', 'Something went wrong on our side; check the status of the payment.');

  function endpoint(name: WalletEndpoint, handle: (req: Request, duplicateCallback: boolean) => Reply) {
    return async (req: Request, res: Response): Promise<void> => {
      calls[name]++;
      const fault = faults[name].shift();
      await wait(latencyMs);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'error500') {
        res.status(500).json(UNKNOWN_ERROR);
        return;
      }
      if (fault?.kind === 'hang') await wait(fault.ms);
      if (closed) {
        req.socket.destroy();
        return;
      }
      // Applied even when the caller has given up waiting: that is how a deposit lands unseen.
      const reply = handle(req, fault?.kind === 'duplicateCallback');
      if (fault?.kind === 'dropAfterApply') {
        if (fault.answer === 'error500') res.status(500).json(UNKNOWN_ERROR);
        else req.socket.destroy();
        return;
      }
      if (!res.writableEnded && !req.socket.destroyed) res.status(reply.status).json(reply.body);
    };
  }

  const app = express();
  app.disable('x-powered-by');
  function setDepositStatus(provider: Provider, status: DepositStatusNow): void {
    providers = providers.map((p) => (p.provider === provider ? { ...p, depositStatus: status } : p));
  }

  app.use(['/v2', '/sandbox'], (req: Request, res: Response, next: NextFunction) => {
    const auth = req.get('authorization');
    if (!auth) {
      res.status(401).json({ failureReason: { failureCode: 'NO_AUTHENTICATION', failureMessage: 'No API token in the Authorization header.' } });
      return;
    }
    if (auth !== `Bearer ${apiToken}`) {
      res.status(403).json({ failureReason: { failureCode: 'AUTHENTICATION_ERROR', failureMessage: 'The API token is not valid.' } });
      return;
    }
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  app.post('/v2/deposits', endpoint('deposits', (req, dup) => wallet.initiateDeposit(req.body, dup)));
  app.get('/v2/deposits/:depositId', endpoint('depositStatus', (req) => wallet.depositStatus(String(req.params.depositId))));
  app.post('/v2/refunds', endpoint('refunds', (req, dup) => wallet.initiateRefund(req.body, dup)));
  app.get('/v2/refunds/:refundId', endpoint('refundStatus', (req) => wallet.refundStatus(String(req.params.refundId))));
  app.get(
    '/v2/active-conf',
    endpoint('activeConf', (req) => ({
      status: 200,
      body: activeConfBody(
        providers,
        { country: typeof req.query.country === 'string' ? req.query.country : undefined, operationType: typeof req.query.operationType === 'string' ? req.query.operationType : undefined },
        { signedCallbacks: opts.callbackSigning !== undefined, depositCallbackUrl: callbackUrls.deposit, refundCallbackUrl: callbackUrls.refund },
      ),
    })),
  );
  app.get(
    '/v2/availability',
    endpoint('availability', (req) => ({
      status: 200,
      body: availabilityBody(providers, { country: typeof req.query.country === 'string' ? req.query.country : undefined, operationType: typeof req.query.operationType === 'string' ? req.query.operationType : undefined }) as unknown as Record<string, unknown>,
    })),
  );
  app.post('/v2/predict-provider', endpoint('predictProvider', (req) => handlePredict(req.body, ported)));
  // The sandbox's own admin route (not pawaPay's): close, delay or reopen a provider's deposits.
  app.put('/sandbox/providers/:provider', (req: Request, res: Response) => {
    const provider = String(req.params.provider);
    const body: unknown = req.body;
    const status = typeof body === 'object' && body !== null && 'deposits' in body ? body.deposits : undefined;
    if (!isProvider(provider) || !providers.some((p) => p.provider === provider)) {
      res.status(404).json({ error: `no provider ${provider} in the configuration` });
      return;
    }
    if (typeof status !== 'string' || !(DEPOSIT_STATUSES as readonly string[]).includes(status)) {
      res.status(400).json({ error: `deposits must be one of ${DEPOSIT_STATUSES.join(', ')}` });
      return;
    }
    setDepositStatus(provider, status as DepositStatusNow);
    res.json({ provider, deposits: status });
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ failureReason: { failureCode: 'NOT_FOUND', failureMessage: 'No such endpoint.' } });
  });
  // express.json's errors (malformed JSON, body too large) arrive here with their HTTP status.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status < 500) res.status(400).json(failureBody('INVALID_INPUT', 'The request body could not be parsed.'));
    else res.status(500).json(UNKNOWN_ERROR);
  });

  const { server, baseUrl } = await listenOn(app, opts);

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    apiToken,
    calls,
    faults,
    deposits: () =>
      wallet.allDeposits().map((d) => ({
        depositId: d.depositId,
        status: d.status,
        amount: d.amount,
        amountCentimes: d.amountCentimes,
        provider: d.provider,
        phoneNumber: d.phoneNumber,
        customerMessage: d.customerMessage,
        clientReferenceId: d.clientReferenceId,
        failureCode: d.failureReason?.failureCode,
        providerTransactionId: d.providerTransactionId,
        created: d.created,
      })),
    refunds: () =>
      wallet.allRefunds().map((r) => ({
        refundId: r.refundId,
        depositId: r.depositId,
        status: r.status,
        amount: r.amount,
        amountCentimes: r.amountCentimes,
        failureCode: r.failureReason?.failureCode,
        created: r.created,
      })),
    callbacks: () => sent.map((c) => ({ ...c })),
    setCallbackUrls(urls) {
      callbackUrls = { ...callbackUrls, ...urls };
    },
    setProviders(next) {
      providers = next;
    },
    setDepositStatus,
    simulator: {
      prompts: (phoneE164) => Promise.resolve(wallet.prompts(phoneE164)),
      answer: (depositId, answer) => Promise.resolve(wallet.answer(depositId, answer)),
    },
    close() {
      closing ??= (async () => {
        closed = true;
        wallet.close();
        for (const [t, release] of waits) {
          clearTimeout(t);
          release();
        }
        waits.clear();
        for (const a of aborts) a.abort();
        await Promise.allSettled([...deliveries]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
