import { loadConfig, SANDBOX_API_KEY } from '../src/config';

const PROD_OK = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REGIDESO_BASE_URL: 'https://testfacture.regideso.cd',
  REGIDESO_API_KEY: 'k-123456',
  REGIDESO_OPERATOR: 'FINCA',
  WEBHOOK_TOKEN: 'a-long-enough-secret-token',
  METRICS_TOKEN: 'a-long-enough-metrics-token',
  AT_USERNAME: 'regideso',
  AT_API_KEY: 'at-key-123',
  DATABASE_URL: 'postgres://regideso@db.internal:5432/ledger',
  COLLECTION: 'pawapay',
  PAWAPAY_BASE_URL: 'https://api.pawapay.io',
  PAWAPAY_API_TOKEN: 'pp-token',
};

describe('loadConfig', () => {
  it('runs on the embedded defaults when nothing is set, and says so', () => {
    const r = loadConfig({});
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.port).toBe(3000);
    expect(r.config.redisUrl).toBeUndefined();
    expect(r.config.regideso.baseUrl).toBeUndefined();
    expect(r.config.regideso.apiKey).toBe(SANDBOX_API_KEY);
    expect(r.config.sms.transport).toBe('outbox');
    expect(r.config.logLevel).toBe('info');
    expect(r.config.regideso.timeoutMs).toBeLessThanOrEqual(4000);
    expect(r.config.warnings.join('\n')).toMatch(/REDIS_URL/);
    expect(r.config.warnings.join('\n')).toMatch(/REGIDESO_BASE_URL/);
  });

  it('treats empty strings as unset', () => {
    const r = loadConfig({ REDIS_URL: '', PORT: '' });
    expect(r.ok && r.config.redisUrl === undefined && r.config.port === 3000).toBe(true);
  });

  it('accepts a complete production environment', () => {
    const r = loadConfig(PROD_OK);
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.production).toBe(true);
    expect(r.config.regideso.operator).toBe('FINCA');
    expect(r.config.webhookToken).toBe(PROD_OK.WEBHOOK_TOKEN);
  });

  it.each(['REDIS_URL', 'REGIDESO_BASE_URL', 'REGIDESO_API_KEY', 'REGIDESO_OPERATOR', 'WEBHOOK_TOKEN', 'DATABASE_URL', 'METRICS_TOKEN'] as const)(
    'refuses production without %s, naming it',
    (name) => {
      const env: Record<string, string | undefined> = { ...PROD_OK, [name]: undefined };
      const r = loadConfig(env);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([`${name}: required when NODE_ENV=production`]);
    },
  );

  it('names every missing production variable in one answer', () => {
    const r = loadConfig({ NODE_ENV: 'production' });
    expect(r.ok).toBe(false);
    // Five settings, the ledger, the metrics token, the choice of collection, and Africa's Talking's key and username.
    if (!r.ok) expect(r.errors).toHaveLength(10);
  });

  it('production refuses to guess where the money comes from: COLLECTION must be named', () => {
    const r = loadConfig({ ...PROD_OK, COLLECTION: undefined });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.stringMatching(/^COLLECTION: required when NODE_ENV=production/)]);
  });

  it('COLLECTION=pawapay needs its base URL and token; none needs neither, and is announced', () => {
    const r = loadConfig({ ...PROD_OK, PAWAPAY_BASE_URL: undefined, PAWAPAY_API_TOKEN: undefined });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual(['PAWAPAY_BASE_URL: required when COLLECTION=pawapay', 'PAWAPAY_API_TOKEN: required when COLLECTION=pawapay']);
    const none = loadConfig({ ...PROD_OK, COLLECTION: 'none', PAWAPAY_BASE_URL: undefined, PAWAPAY_API_TOKEN: undefined });
    if (!none.ok) throw new Error(none.errors.join('; '));
    expect(none.config.collection).toEqual({ mode: 'none' });
    expect(none.config.warnings.join('\n')).toMatch(/COLLECTION=none/);
    expect(loadConfig({ COLLECTION: 'cash' }).ok).toBe(false);
  });

  it('unset in development: the embedded sandbox wallet and ledger, both announced', () => {
    const r = loadConfig({});
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.collection).toEqual({ mode: 'sandbox' });
    expect(r.config.database.url).toBeUndefined();
    expect(r.config.database.dataDir).toMatch(/data[\\/]ledger$/);
    const warnings = r.config.warnings.join('\n');
    expect(warnings).toMatch(/COLLECTION is unset/);
    expect(warnings).toMatch(/DATABASE_URL is unset.*PGlite/);
    expect(warnings).toMatch(/outbox/);
  });

  it('a pawaPay callback key that is not a PEM public key is refused at start, by name', () => {
    const r = loadConfig({ PAWAPAY_CALLBACK_PUBLIC_KEY: 'not a key' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^PAWAPAY_CALLBACK_PUBLIC_KEY: /);
  });

  it('refuses to fall back to the outbox in production, and warns when the outbox is asked for', () => {
    const noSms = loadConfig({ ...PROD_OK, AT_API_KEY: undefined, AT_USERNAME: undefined });
    expect(noSms.ok).toBe(false);
    if (!noSms.ok) {
      expect(noSms.errors).toEqual([
        'AT_API_KEY: required when NODE_ENV=production (or set SMS_TRANSPORT=outbox to keep SMS in the outbox)',
        'AT_USERNAME: required when NODE_ENV=production',
      ]);
    }
    const asked = loadConfig({ ...PROD_OK, AT_API_KEY: undefined, AT_USERNAME: undefined, SMS_TRANSPORT: 'outbox' });
    expect(asked.ok && asked.config.warnings.join('\n')).toMatch(/SMS_TRANSPORT=outbox in production/);
  });

  it('keeps keys under rgd: unless told otherwise, so two deployments can share a Redis', () => {
    const byDefault = loadConfig({});
    expect(byDefault.ok && byDefault.config.redisPrefix).toBe('rgd:');
    const r = loadConfig({ REDIS_KEY_PREFIX: 'staging:' });
    expect(r.ok && r.config.redisPrefix).toBe('staging:');
    expect(loadConfig({ REDIS_KEY_PREFIX: 'no colon' }).ok).toBe(false);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['REDIS_URL', 'not a url'],
    ['REGIDESO_TIMEOUT_MS', '50'],
    ['SMS_TRANSPORT', 'pigeon'],
    ['LOG_LEVEL', 'loud'],
    ['WEBHOOK_TOKEN', 'short'],
    ['REGIDESO_OPERATOR', 'has spaces in it'],
    ['METRICS_TOKEN', 'short'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1, proxy.internal'],
    ['TRUST_PROXY', '-1'],
  ])('refuses a bad %s (%s), naming the variable', (name, value) => {
    const r = loadConfig({ [name]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('METRICS_TOKEN: open outside production when unset, kept when set', () => {
    const open = loadConfig({});
    expect(open.ok && open.config.metricsToken).toBeUndefined();
    const set = loadConfig({ METRICS_TOKEN: 'a-long-enough-metrics-token' });
    expect(set.ok && set.config.metricsToken).toBe('a-long-enough-metrics-token');
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    ['0', 0],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.0/255.255.255.0,loopback', ['10.0.0.0/8', '192.168.1.0/255.255.255.0', 'loopback']],
    ['fd00::/8,uniquelocal', ['fd00::/8', 'uniquelocal']],
  ])('TRUST_PROXY=%s is express\'s trust proxy %p (unset: X-Forwarded-For is not believed)', (value, trust) => {
    const r = loadConfig({ TRUST_PROXY: value });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.trustProxy).toEqual(trust);
    // Believing anyone's X-Forwarded-For is allowed, as express allows it, but said.
    expect(r.config.warnings.some((w) => w.startsWith('TRUST_PROXY=true'))).toBe(trust === true);
  });

  it('chooses africastalking when an AT key is set, and requires the username with it', () => {
    const ok = loadConfig({ AT_API_KEY: 'atkey', AT_USERNAME: 'sandbox' });
    expect(ok.ok && ok.config.sms.transport).toBe('africastalking');
    const missing = loadConfig({ AT_API_KEY: 'atkey' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors).toEqual(['AT_USERNAME: required when SMS_TRANSPORT=africastalking']);
  });

  it('keeps the outbox when asked even with an AT key', () => {
    const r = loadConfig({ AT_API_KEY: 'atkey', AT_USERNAME: 'u', SMS_TRANSPORT: 'outbox' });
    expect(r.ok && r.config.sms.transport).toBe('outbox');
  });

  it('reads the payment minimum in francs and keeps centimes', () => {
    const r = loadConfig({ PAYMENT_MIN_CDF: '500' });
    expect(r.ok && r.config.payments.minCentimes).toBe(50_000);
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('takes comma-separated host:port seeds (spaces, names, IPv6 in brackets) instead of REDIS_URL', () => {
    const r = loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001,[fd00::3]:7002 ' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.redisCluster).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: 'fd00::3', port: 7002 },
    ]);
    expect(r.config.redisUrl).toBeUndefined();
    // Not the in-memory Redis: no warning that sessions are lost on restart.
    expect(r.config.warnings.join('\n')).not.toMatch(/REDIS_URL is unset/);
  });

  it('stands in for REDIS_URL in production', () => {
    const r = loadConfig({ ...PROD_OK, REDIS_URL: undefined, REDIS_CLUSTER_NODES: '10.0.0.1:7000' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.redisCluster).toEqual([{ host: '10.0.0.1', port: 7000 }]);
  });

  it('wins over REDIS_URL when both are set, with a warning', () => {
    const r = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.redisUrl).toBeUndefined();
    expect(r.config.warnings.join('\n')).toMatch(/REDIS_URL is ignored/);
  });

  it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'redis://127.0.0.1:7000', '127.0.0.1:7000,,127.0.0.1:7001', 'a b:7000'])('refuses %s, naming the variable', (value) => {
    const r = loadConfig({ REDIS_CLUSTER_NODES: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/^REDIS_CLUSTER_NODES: must be comma-separated host:port seeds/);
  });
});

describe('LOOKUPS_PER_PHONE_DAY', () => {
  it('defaults to 10 distinct references a phone may look up a day', () => {
    const r = loadConfig({});
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.privacy.lookupsPerPhoneDay).toBe(10);
  });

  it('takes a larger number for an agent who pays for many people', () => {
    const r = loadConfig({ LOOKUPS_PER_PHONE_DAY: '250' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.privacy.lookupsPerPhoneDay).toBe(250);
  });

  it.each(['0', '-3', 'ten', '2.5'])('refuses %s, naming the variable', (value) => {
    const r = loadConfig({ LOOKUPS_PER_PHONE_DAY: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/^LOOKUPS_PER_PHONE_DAY: must be/);
  });
});
