import { readdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { PUBLIC_NAMES } from '../collections/public-names';
import { isProvider } from '../collections/types';
import { GSM7_ALPHABET, SCREEN_LIMIT } from '../gsm7';
import { phoneSchema } from '../phone';
import { sendValidationError } from './bad-request';

/**
 * The browser phone: the static page under `web/` and the two things a handset has that the
 * gateway routes do not (the GSM-7 alphabet it counts with, the wallet's PIN prompt). The page
 * itself talks to the product only through the gateway's public routes (`ussd`, `sms/inbound`,
 * `outbox`), with relative URLs, so it works at `/` and at `/<token>/` alike.
 */

/** A debit the wallet is asking the subscriber to approve, as the handset shows it. */
export interface WalletPrompt {
  depositId: string;
  phoneE164: string;
  amount: string;
  currency: 'CDF';
  provider: string;
  customerMessage: string;
  createdAt: string;
}

/** What the embedded sandbox wallet lets a simulated handset do. */
export interface SimulatorWallet {
  prompts(phoneE164: string): Promise<WalletPrompt[]>;
  answer(depositId: string, answer: { pin: string } | { decline: true }): Promise<'approved' | 'declined' | 'not_found'>;
}

export interface SimulatorRouterDeps {
  /** The folder holding index.html and its assets. */
  webDir: string;
  /** When configured, the page is served only under `/<token>/` (the guard has checked it). */
  tokenConfigured: boolean;
  /** Absent when no sandbox wallet runs: the prompt routes answer 404 and the page shows no prompt. */
  wallet?: SimulatorWallet;
  /** The language the phone chose in the menu, so its wallet prompt speaks it too (French when none). */
  language?: (phoneE164: string) => Promise<string | undefined>;
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** The page loads nothing from elsewhere and runs no inline script: say so to the browser. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const promptsQuerySchema = z.object({ phone: phoneSchema });
const depositIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'must be a deposit id');
const answerSchema = z.union([z.object({ pin: z.string().regex(/^\d{4}$/, 'must be 4 digits') }).strict(), z.object({ decline: z.literal(true) }).strict()]);

export function createSimulatorRouter(deps: SimulatorRouterDeps): express.Router {
  // Read once: a missing web/ folder stops the start (SIMULATOR=on without the files), not a visitor.
  const assets = new Set(readdirSync(deps.webDir).filter((f) => path.extname(f) in CONTENT_TYPES));
  if (!assets.has('index.html')) throw new Error(`the browser phone's index.html is missing from ${deps.webDir}`);

  const router = express.Router();
  // Mounted at `/` and at `/:token`: without a token any first segment would reach here
  // (`/favicon.ico` → `/`), and the page must not answer for every unknown URL.
  router.use((req, _res, next) => next(req.baseUrl !== '' && !deps.tokenConfigured ? 'router' : undefined));

  const sendAsset = (name: string, res: express.Response) => {
    const ext = path.extname(name);
    res.set('cache-control', 'no-cache').type(CONTENT_TYPES[ext] ?? 'application/octet-stream');
    if (ext === '.html') res.set('content-security-policy', CSP);
    res.sendFile(name, { root: deps.webDir, dotfiles: 'deny' });
  };

  router.get('/', (req, res) => {
    // `/<token>` without its slash would resolve the page's relative URLs one level too high.
    const pathname = req.originalUrl.split('?')[0] ?? '/';
    if (!pathname.endsWith('/')) {
      res.redirect(308, `./${pathname.split('/').pop() ?? ''}/`);
      return;
    }
    sendAsset('index.html', res);
  });
  router.get('/:asset', (req, res, next) => {
    if (assets.has(req.params.asset) && req.params.asset !== 'index.html') sendAsset(req.params.asset, res);
    else next();
  });

  router.get('/simulator/gsm7.json', (_req, res) => {
    res.json({ basic: GSM7_ALPHABET.basic, extended: GSM7_ALPHABET.extended, screenLimit: SCREEN_LIMIT });
  });

  const wallet = deps.wallet;
  if (wallet !== undefined) {
    router.get('/simulator/wallet/prompts', async (req, res) => {
      const parsed = promptsQuerySchema.safeParse(req.query);
      if (!parsed.success) {
        sendValidationError(res, parsed.error);
        return;
      }
      const [prompts, language] = await Promise.all([wallet.prompts(parsed.data.phone), deps.language?.(parsed.data.phone).catch(() => undefined)]);
      // As a handset shows it: the wallet's public name (M-Pesa, not VODACOM_MPESA_COD), in the phone's language.
      res.json(prompts.map((p) => ({ ...p, walletName: isProvider(p.provider) ? PUBLIC_NAMES[p.provider] : p.provider, language: language ?? 'fr' })));
    });
    router.post('/simulator/wallet/prompts/:depositId', async (req, res) => {
      const id = depositIdSchema.safeParse(req.params.depositId);
      if (!id.success) {
        sendValidationError(res, id.error);
        return;
      }
      const body = answerSchema.safeParse(req.body ?? {});
      if (!body.success) {
        sendValidationError(res, body.error);
        return;
      }
      const outcome = await wallet.answer(id.data, body.data);
      if (outcome === 'not_found') res.status(404).json({ error: 'not_found' });
      else res.json({ status: outcome });
    });
  }
  return router;
}
