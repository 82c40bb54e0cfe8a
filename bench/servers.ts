import { randomBytes } from 'node:crypto';
import express from 'express';
import type Redis from 'ioredis';
import UssdMenu from 'ussd-menu-builder';
import { formatCdf } from '../src/money';
import type { RegidesoClient } from '../src/regideso/types';
import { createRedisHopStore } from '../src/sessions/hop-store';
import type { Session } from '../src/sessions/types';

/**
 * The three servers the product is measured against (and a fourth, the protocol floor, on demand), on the same 4-hop walk (dial → pay →
 * reference → province → bills, GetFact on the last hop) and, for the last two, the same Redis and
 * sandbox REGIDESO as the product.
 */

const MAIN = 'CON REGIDESO - Factures d\'eau\n1. Payer une facture\n2. Consulter mes factures\n3. Vérifier un paiement\n4. Langue / Language';
const REF = "CON Entrez votre référence client:\n0.Retour 00.Accueil";
const PROVINCES = 'CON Choisissez votre province:\n1. Kinshasa\n2. Kongo Central\n3. Katanga\n4. Nord-Kivu\n5. Sud-Kivu\n6. Kasai Oriental\n7. Kananga\n0.Retour 00.Accueil';

type Body = { sessionId?: unknown; text?: unknown; phoneNumber?: unknown; serviceCode?: unknown };
const str = (v: unknown) => (typeof v === 'string' ? v : '');

async function billsScreen(regideso: RegidesoClient, ref: string): Promise<string> {
  const res = await regideso.getBills(ref, 'KIN');
  if (res.kind !== 'ok') return 'END REGIDESO ne répond pas pour le moment.';
  const unpaid = res.bills.filter((b) => b.balanceCentimes > 0).sort((a, b) => a.issuedOn.localeCompare(b.issuedOn));
  const total = unpaid.reduce((n, b) => n + b.balanceCentimes, 0);
  const lines = unpaid.slice(0, 3).map((b, i) => `${i + 2}. ${b.issuedOn.slice(5, 7)}/${b.issuedOn.slice(0, 4)}: ${formatCdf(b.balanceCentimes)}`);
  return `CON ${res.bills[0]?.subscriberName ?? ''}\nTotal à payer: ${formatCdf(total)}\n1. Tout payer\n${lines.join('\n')}`;
}

/** The screen the walk's text leads to, the walk's inputs counted rather than interpreted. */
async function walkScreen(regideso: RegidesoClient, text: string): Promise<string> {
  const parts = text === '' ? [] : text.split('*');
  if (parts.length === 0) return MAIN;
  if (parts.length === 1) return REF;
  if (parts.length === 2) return PROVINCES;
  return billsScreen(regideso, parts[1] ?? '');
}

/** `express.urlencoded` + a fixed screen: the floor of any express USSD handler. */
export function bareApp(): express.Express {
  const app = express();
  app.post('/ussd', express.urlencoded({ extended: false }), (_req, res) => {
    res.status(200).type('text/plain').send('CON hello');
  });
  return app;
}

/** The least a stateful handler does: one GET and one SET of the session per hop, GetFact on the last. */
export function minimalApp(redis: Redis, regideso: RegidesoClient, prefix: string): express.Express {
  const app = express();
  app.post('/ussd', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Body;
    const text = str(body.text);
    const key = `${prefix}m:{${str(body.sessionId)}}`;
    const before = await redis.get(key);
    const answer = await walkScreen(regideso, text);
    await redis.set(key, JSON.stringify({ text, hops: before === null ? 1 : 2 }), 'EX', 360);
    res.status(200).type('text/plain').send(answer);
  });
  return app;
}

interface UmbSession {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

/**
 * ussd-menu-builder 1.2.0 with a Redis session store as its README shows one (a hash per session).
 * One menu per request: the library keeps the request's values on the instance, so a shared
 * instance would mix up concurrent hops.
 */
export function ussdMenuBuilderApp(redis: Redis, regideso: RegidesoClient, prefix: string): express.Express {
  const key = (id: string) => `${prefix}umb:{${id}}`;
  const sessionConfig = {
    start: async () => undefined,
    end: async (id: string) => redis.del(key(id)),
    set: async (id: string, field: string, value: unknown) => redis.multi().hset(key(id), field, String(value)).expire(key(id), 360).exec(),
    get: async (id: string, field: string) => redis.hget(key(id), field),
  };
  const build = () => {
    const menu = new UssdMenu();
    menu.sessionConfig(sessionConfig);
    const session = menu.session as UmbSession;
    menu.startState({ run: () => menu.con(MAIN.slice(4)), next: { '1': 'pay' } });
    menu.state('pay', { run: () => menu.con(REF.slice(4)), next: { '*\\d+': 'reference' } });
    menu.state('reference', {
      run: () => {
        void session.set('ref', menu.val).then(() => menu.con(PROVINCES.slice(4)));
      },
      next: { '1': 'bills' },
    });
    menu.state('bills', {
      run: () => {
        void session
          .get('ref')
          .then((ref) => billsScreen(regideso, str(ref)))
          .then((screen) => (screen.startsWith('CON ') ? menu.con(screen.slice(4)) : menu.end(screen.slice(4))));
      },
    });
    return menu;
  };
  const app = express();
  app.post('/ussd', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Body;
    const answer = await build().run({ sessionId: str(body.sessionId), phoneNumber: str(body.phoneNumber), serviceCode: str(body.serviceCode), text: str(body.text) });
    res.status(200).type('text/plain').send(answer);
  });
  return app;
}

/**
 * The minimal handler with the product's session protocol in place of its GET and SET: the
 * product's hop store (src/sessions/hop-store.ts) opens each hop (rate count, preferences, lease,
 * a retry's answer) and commits it (the session record, the lease released), the first dial and
 * the hops before GetFact in one round trip as the product makes them, with the same fixed
 * screens and GetFact as the minimal handler. No menu engine, no front door, no metrics: what
 * the product's Redis work alone costs, the floor under any product built on that protocol.
 */
export function protocolApp(redis: Redis, regideso: RegidesoClient, prefix: string): express.Express {
  const store = createRedisHopStore(redis, { prefix, ttlSeconds: 180, leaseMs: 10_000, rateWindowSeconds: 60, prefsTtlSeconds: 86_400 });
  let leases = 0;
  const fresh = (id: string, phone: string): Session => ({
    id,
    phone,
    nonce: randomBytes(8).toString('hex'),
    menuVersion: 'floor',
    shape: 'cumulative',
    language: 'fr',
    screen: 'main',
    page: 0,
    history: [],
    vars: {},
    ended: false,
    text: '',
    answer: '',
    prevText: undefined,
    startedAt: Date.now(),
    hops: 0,
  });
  const app = express();
  app.post('/ussd', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Body;
    const text = str(body.text);
    const key = { id: str(body.sessionId), phone: str(body.phoneNumber), text, token: `t${(leases++).toString(36)}`, lastOnly: false };
    // The first dial offers its screen, as the product's hop runner does once it has learnt it.
    const offer = text === '' ? { session: { ...fresh(key.id, key.phone), answer: MAIN, hops: 1 }, hopsPerWindow: 40 } : undefined;
    // A later hop that calls no REGIDESO, worked out from the copy this process saved, as the
    // product's hop runner does: written by `open` itself when nothing changed meanwhile.
    const known = offer === undefined && text.split('*').length < 3 ? store.known(key.id, key.phone) : undefined;
    let ahead: Session | undefined;
    if (known !== undefined) {
      ahead = known.session;
      ahead.prevText = ahead.text;
      ahead.text = text;
      ahead.answer = await walkScreen(regideso, text);
      ahead.hops += 1;
    }
    const next = known === undefined || ahead === undefined ? undefined : { since: known.since, session: ahead, remember: {}, due: undefined, hopsPerWindow: 40 };
    const { opened } = await store.open(key, offer, next);
    if (opened.kind === 'answer' || opened.kind === 'created' || opened.kind === 'advanced') {
      res.status(200).type('text/plain').send(opened.kind === 'answer' ? opened.answer : opened.kind === 'advanced' ? (ahead?.answer ?? MAIN) : MAIN);
      return;
    }
    // Busy, foreign or unreadable never happen to the bench's fresh, one-at-a-time sessions.
    const answer = await walkScreen(regideso, text);
    const session = opened.kind === 'session' ? opened.session : fresh(key.id, key.phone);
    if (session.hops > 0) session.prevText = session.text;
    session.text = text;
    session.answer = answer;
    session.hops += 1;
    await store.commit(session, key.token, undefined);
    res.status(200).type('text/plain').send(answer);
  });
  return app;
}
