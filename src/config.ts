import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { HostPort } from './redis';

/**
 * The one place that reads the environment. Everything else receives a typed `Config`.
 * Unset REDIS_URL / REGIDESO_BASE_URL select the embedded defaults (in-memory, sandbox REGIDESO);
 * production refuses those defaults because they lose data or fake payments.
 */
const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalUrl = optionalString.pipe(
  z
    .string()
    .refine((v) => /^(https?|rediss?|postgres(ql)?):\/\/[^\s]+$/.test(v), 'must be a URL')
    .optional(),
);

const intFrom = (min: number, max: number) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^-?\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional(),
  );

const envSchema = z.object({
  NODE_ENV: optionalString.pipe(z.enum(['production', 'development', 'test']).optional()),
  PORT: intFrom(0, 65535),
  REDIS_URL: optionalUrl,
  REDIS_CLUSTER_NODES: optionalString.pipe(
    z
      .string()
      .transform((v, ctx) => {
        const nodes = parseClusterNodes(v);
        if (nodes === undefined) ctx.addIssue({ code: 'custom', message: 'must be comma-separated host:port seeds (10.0.0.1:7000,10.0.0.2:7000)' });
        return nodes ?? [];
      })
      .optional(),
  ),
  REDIS_KEY_PREFIX: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,24}:$/, "must be 1-24 letters, digits, _ or - followed by ':'")
      .optional(),
  ),
  REGIDESO_BASE_URL: optionalUrl,
  REGIDESO_API_KEY: optionalString,
  REGIDESO_OPERATOR: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, 'must be 1-20 letters, digits, _ or -')
      .optional(),
  ),
  REGIDESO_TIMEOUT_MS: intFrom(200, 8000),
  SMS_TRANSPORT: optionalString.pipe(z.enum(['africastalking', 'outbox']).optional()),
  AT_USERNAME: optionalString,
  AT_API_KEY: optionalString,
  AT_SENDER_ID: optionalString,
  WEBHOOK_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  LOG_LEVEL: optionalString.pipe(z.enum(LOG_LEVELS).optional()),
  PAYMENT_MIN_CDF: intFrom(1, 10_000_000),
  USSD_SESSION_TTL_S: intFrom(30, 3600),
  USSD_TEXT_MODE: optionalString.pipe(z.enum(['auto', 'cumulative', 'last']).optional()),
  RECORD_RETENTION_DAYS: intFrom(1, 3650),
  LOOKUPS_PER_PHONE_DAY: intFrom(1, 100_000),
  DATABASE_URL: optionalUrl,
  DATA_DIR: optionalString,
  COLLECTION: optionalString.pipe(z.enum(['pawapay', 'none'], { error: 'must be pawapay or none' }).optional()),
  PAWAPAY_BASE_URL: optionalUrl,
  PAWAPAY_API_TOKEN: optionalString,
  PAWAPAY_CALLBACK_PUBLIC_KEY: optionalString,
  SIMULATOR: optionalString.pipe(z.enum(['on', 'off']).optional()),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  TRUST_PROXY: optionalString.pipe(
    z
      .string()
      .transform((v, ctx) => {
        const trust = parseTrustProxy(v);
        if (trust === undefined) ctx.addIssue({ code: 'custom', message: 'must be a hop count (1), true, false, or comma-separated addresses or subnets (10.0.0.1, 10.0.0.0/8, loopback)' });
        return trust ?? false;
      })
      .optional(),
  ),
});

/**
 * TRUST_PROXY in express's own syntax ('trust proxy'): a number of hops, true/false, or addresses,
 * subnets (CIDR) and express's names for ranges; undefined when any part is none of these.
 */
function parseTrustProxy(text: string): boolean | number | string[] | undefined {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const parts = text.split(',').map((p) => p.trim());
  const valid = (part: string): boolean => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(part)) return true;
    const [addr = '', bits, ...rest] = part.split('/');
    const family = isIP(addr);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    if (family === 4 && isIP(bits) === 4) return true; // a netmask, as express also takes
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  };
  return parts.every(valid) ? parts : undefined;
}

/** The name of every variable the product reads: the schema's keys (test/env-example.test.ts holds `.env.example` to them). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** `host:port,host:port` as seeds; undefined when any part is not `host:port` (IPv6 in brackets). */
function parseClusterNodes(text: string): HostPort[] | undefined {
  const out: HostPort[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})\s*$/.exec(part);
    const port = Number(m?.[2]);
    if (m?.[1] === undefined || !(port >= 1 && port <= 65535)) return undefined;
    out.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
  }
  return out.length > 0 ? out : undefined;
}

/** Where the embedded default keeps its ledger (`<DATA_DIR>/ledger`): the project's `data/` folder. */
const DEFAULT_DATA_DIR = path.resolve(__dirname, '..', 'data');

/** The key the sandbox REGIDESO accepts; only ever used when the sandbox runs. */
export const SANDBOX_API_KEY = 'sandbox-key';
export const SANDBOX_OPERATOR = 'SANDBOX';

export interface Config {
  production: boolean;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** undefined (and no cluster): the in-memory Redis of the embedded default. */
  redisUrl: string | undefined;
  /** REDIS_CLUSTER_NODES: the seeds of a Redis Cluster, used instead of `redisUrl` when set. */
  redisCluster: HostPort[] | undefined;
  /** Every key and the payment queue live under it: two deployments can share one Redis. */
  redisPrefix: string;
  regideso: {
    /** undefined: start the sandbox REGIDESO in-process and talk to it. */
    baseUrl: string | undefined;
    apiKey: string;
    operator: string;
    timeoutMs: number;
  };
  sms:
    | { transport: 'outbox'; senderId: string | undefined }
    | { transport: 'africastalking'; username: string; apiKey: string; senderId: string | undefined };
  webhookToken: string | undefined;
  payments: { minCentimes: number };
  ussd: {
    sessionTtlSeconds: number;
    /** How the gateway sends `text`: every input so far (Africa's Talking), only the last one, or recognised per session. */
    textMode: 'auto' | 'cumulative' | 'last';
  };
  records: { retentionSeconds: number };
  /** Distinct references (found or not) one phone may look up per day, those it has paid aside. */
  privacy: { lookupsPerPhoneDay: number };
  /** The payment ledger: PostgreSQL at `url`, or PGlite in the process keeping its data under `dataDir`. */
  database: { url: string | undefined; dataDir: string };
  /**
   * Where the money comes from: `sandbox` (the embedded sandbox wallet, pawaPay-compatible),
   * `pawapay` (the real aggregator), `none` (the operator collects upstream: confirm goes straight to PayFact).
   */
  collection:
    | { mode: 'sandbox' }
    | { mode: 'pawapay'; baseUrl: string; apiToken: string; publicKeyPem: string | undefined }
    | { mode: 'none' };
  /** Serve the browser phone at `/` (behind the webhook token like every callback). */
  simulator: boolean;
  /** METRICS_TOKEN: /metrics asks for it as `Authorization: Bearer`; undefined: open (outside production only). */
  metricsToken: string | undefined;
  /** TRUST_PROXY, for express's 'trust proxy': which proxies' X-Forwarded-For is believed; false: none. */
  trustProxy: boolean | number | string[];
  /** Non-fatal remarks for the operator, logged at start-up. */
  warnings: string[];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * REGIDESO's timeout default: a USSD hop must answer within ~10 s and a GET may be tried twice,
 * so one call gets 3 s (2 × 3 s + backoff + our own work stays well under the gateway's limit).
 */
const DEFAULT_TIMEOUT_MS = 3000;

export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    };
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const errors: string[] = [];
  const warnings: string[] = [];

  if (production) {
    // A Redis Cluster (REDIS_CLUSTER_NODES) stands in for REDIS_URL.
    if (e.REDIS_URL === undefined && e.REDIS_CLUSTER_NODES === undefined) errors.push('REDIS_URL: required when NODE_ENV=production');
    for (const name of ['REGIDESO_BASE_URL', 'REGIDESO_API_KEY', 'REGIDESO_OPERATOR', 'WEBHOOK_TOKEN', 'DATABASE_URL', 'METRICS_TOKEN'] as const) {
      if (e[name] === undefined) errors.push(`${name}: required when NODE_ENV=production`);
    }
    if (e.COLLECTION === undefined) errors.push('COLLECTION: required when NODE_ENV=production (pawapay: collect from the wallet first; none: the operator collects upstream)');
  }
  if (e.PAWAPAY_CALLBACK_PUBLIC_KEY !== undefined) {
    try {
      createPublicKey(e.PAWAPAY_CALLBACK_PUBLIC_KEY.replace(/\\n/g, '\n'));
    } catch {
      errors.push('PAWAPAY_CALLBACK_PUBLIC_KEY: not a PEM public key (paste pawaPay\'s key, with \\n for line breaks)');
    }
  }
  if (e.COLLECTION === 'pawapay') {
    for (const name of ['PAWAPAY_BASE_URL', 'PAWAPAY_API_TOKEN'] as const) {
      if (e[name] === undefined) errors.push(`${name}: required when COLLECTION=pawapay`);
    }
  }
  if (e.DATABASE_URL === undefined) warnings.push(`DATABASE_URL is unset: the payment ledger is an embedded PostgreSQL (PGlite) in this process, kept in ${path.join(e.DATA_DIR ?? DEFAULT_DATA_DIR, 'ledger')}; one process only`);
  if (e.COLLECTION === 'none') warnings.push('COLLECTION=none: no wallet is debited; the operator collects upstream and confirm goes straight to PayFact');
  if (e.COLLECTION === undefined) warnings.push('COLLECTION is unset: money is collected from the embedded sandbox wallet, no real wallet is debited');
  if (e.REDIS_URL === undefined && e.REDIS_CLUSTER_NODES === undefined) warnings.push('REDIS_URL is unset: USSD sessions and job queues live in memory (lost on restart; the ledger keeps every payment and finishes it after a restart)');
  if (e.REDIS_URL !== undefined && e.REDIS_CLUSTER_NODES !== undefined) warnings.push('REDIS_URL is ignored: REDIS_CLUSTER_NODES is set, the Redis Cluster is used');
  if (e.REGIDESO_BASE_URL === undefined) warnings.push('REGIDESO_BASE_URL is unset: talking to the embedded sandbox REGIDESO, no real payment is made');
  if (e.WEBHOOK_TOKEN === undefined) warnings.push('WEBHOOK_TOKEN is unset: callbacks are not authenticated');
  if (e.TRUST_PROXY === true) warnings.push('TRUST_PROXY=true: X-Forwarded-For is believed from anyone, so a client can choose its own address; name the hop count or the proxies\' addresses instead');

  const transport = e.SMS_TRANSPORT ?? (e.AT_API_KEY !== undefined ? 'africastalking' : 'outbox');
  // An outbox in production keeps every receipt from its subscriber: only when asked for by name.
  if (production && transport === 'outbox') {
    if (e.SMS_TRANSPORT === undefined) {
      errors.push('AT_API_KEY: required when NODE_ENV=production (or set SMS_TRANSPORT=outbox to keep SMS in the outbox)');
      if (e.AT_USERNAME === undefined) errors.push('AT_USERNAME: required when NODE_ENV=production');
    }
    else warnings.push('SMS_TRANSPORT=outbox in production: receipts are kept in the outbox, not sent to subscribers');
  }
  if (!production && transport === 'outbox') warnings.push('SMS go to the outbox (GET /outbox), not to phones: set AT_USERNAME and AT_API_KEY to send them');
  let sms: Config['sms'] = { transport: 'outbox', senderId: e.AT_SENDER_ID };
  if (transport === 'africastalking') {
    if (e.AT_API_KEY === undefined) errors.push('AT_API_KEY: required when SMS_TRANSPORT=africastalking');
    if (e.AT_USERNAME === undefined) errors.push('AT_USERNAME: required when SMS_TRANSPORT=africastalking');
    sms = { transport, username: e.AT_USERNAME ?? '', apiKey: e.AT_API_KEY ?? '', senderId: e.AT_SENDER_ID };
  }
  if (errors.length > 0) return { ok: false, errors };

  const sandbox = e.REGIDESO_BASE_URL === undefined;
  return {
    ok: true,
    config: {
      production,
      port: e.PORT ?? 3000,
      logLevel: e.LOG_LEVEL ?? 'info',
      redisUrl: e.REDIS_CLUSTER_NODES === undefined ? e.REDIS_URL : undefined,
      redisCluster: e.REDIS_CLUSTER_NODES,
      redisPrefix: e.REDIS_KEY_PREFIX ?? 'rgd:',
      regideso: {
        baseUrl: e.REGIDESO_BASE_URL,
        apiKey: e.REGIDESO_API_KEY ?? (sandbox ? SANDBOX_API_KEY : ''),
        operator: e.REGIDESO_OPERATOR ?? SANDBOX_OPERATOR,
        timeoutMs: e.REGIDESO_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS,
      },
      sms,
      webhookToken: e.WEBHOOK_TOKEN,
      payments: { minCentimes: (e.PAYMENT_MIN_CDF ?? 100) * 100 },
      ussd: { sessionTtlSeconds: e.USSD_SESSION_TTL_S ?? 180, textMode: e.USSD_TEXT_MODE ?? 'auto' },
      records: { retentionSeconds: (e.RECORD_RETENTION_DAYS ?? 400) * 86_400 },
      privacy: { lookupsPerPhoneDay: e.LOOKUPS_PER_PHONE_DAY ?? 10 },
      database: { url: e.DATABASE_URL, dataDir: path.join(e.DATA_DIR ?? DEFAULT_DATA_DIR, 'ledger') },
      collection:
        e.COLLECTION === 'none'
          ? { mode: 'none' }
          : e.COLLECTION === 'pawapay'
            ? { mode: 'pawapay', baseUrl: e.PAWAPAY_BASE_URL ?? '', apiToken: e.PAWAPAY_API_TOKEN ?? '', publicKeyPem: e.PAWAPAY_CALLBACK_PUBLIC_KEY?.replace(/\\n/g, '\n') }
            : { mode: 'sandbox' },
      // A demo page has no place on a production host unless the operator asks for it by name.
      simulator: e.SIMULATOR === undefined ? !production : e.SIMULATOR === 'on',
      metricsToken: e.METRICS_TOKEN,
      trustProxy: e.TRUST_PROXY ?? false,
      warnings,
    },
  };
}

/** The process's own environment: the only read of process.env in the product. */
export function loadConfigFromProcess(): ConfigResult {
  return loadConfig(process.env);
}
