import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ENV_VARIABLES, loadConfig } from '../src/config';

// `.env.example` and `compose.yaml` against the code: every variable src/config.ts reads is listed,
// nothing else is (but the few compose.yaml itself uses), and what they hold starts the product in
// production as compose.yaml runs it.
const ROOT = path.join(__dirname, '..');
const COMPOSE_ONLY_HEADING = /^# -+ compose\.yaml only/;

interface EnvExample {
  /** Every variable in the file, set (`NAME=value`) or off (`#NAME=value`), in order. */
  listed: string[];
  /** The `NAME=value` lines: what `docker compose` passes to the product. */
  set: Record<string, string>;
  /** Listed under "compose.yaml only": interpolated by compose.yaml, never read by the product. */
  composeOnly: string[];
}

function readEnvExample(): EnvExample {
  const out: EnvExample = { listed: [], set: {}, composeOnly: [] };
  let composeOnly = false;
  for (const line of readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n')) {
    if (COMPOSE_ONLY_HEADING.test(line)) composeOnly = true;
    // `# ` with a space is prose; `#NAME=` is a variable left off.
    const m = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m === null) {
      expect({ line, isCommentOrBlank: line === '' || line.startsWith('# ') || line === '#' }).toEqual({ line, isCommentOrBlank: true });
      continue;
    }
    const [, off, name = '', value = ''] = m;
    out.listed.push(name);
    if (off === '') out.set[name] = value;
    if (composeOnly) out.composeOnly.push(name);
  }
  return out;
}

const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      build: z.string().optional(),
      image: z.string().optional(),
      command: z.array(z.string()).optional(),
      env_file: z.string().optional(),
      environment: z.record(z.string(), z.string()).optional(),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
      healthcheck: z.object({ test: z.array(z.string()) }).optional(),
      volumes: z.array(z.string()).optional(),
    }),
  ),
  volumes: z.record(z.string(), z.null()),
});

function readCompose() {
  return composeSchema.parse(parseYaml(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8')));
}

/** Compose's interpolation of `${NAME}`, `${NAME:?message}` and `${NAME:-default}` from `vars`. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_all, name: string, op: string | undefined, arg: string | undefined) => {
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg ?? '';
    throw new Error(`compose.yaml needs ${name}: ${arg ?? 'unset'}`);
  });
}

/** The variable names loadConfig looks up in `env`, whatever path it takes through the schema. */
function namesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const watched = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.has(target, key);
    },
  });
  loadConfig(watched);
  return read;
}

const example = readEnvExample();

test('.env.example lists every variable src/config.ts reads, and none it does not (but its compose.yaml section)', () => {
  const product = example.listed.filter((n) => !example.composeOnly.includes(n));
  const missing = ENV_VARIABLES.filter((n) => !product.includes(n));
  const neverRead = product.filter((n) => !ENV_VARIABLES.includes(n));
  expect({ missing, neverRead }).toEqual({ missing: [], neverRead: [] });
  expect(example.listed.filter((n, i) => example.listed.indexOf(n) !== i)).toEqual([]);
});

test('the list of variables is exactly what loadConfig looks up, in development and in production alike', () => {
  const envs: Array<Record<string, string>> = [{}, { NODE_ENV: 'production' }, { ...example.set }, { ...example.set, COLLECTION: 'none', SMS_TRANSPORT: 'outbox' }];
  for (const env of envs) {
    expect([...namesRead(env)].sort()).toEqual([...ENV_VARIABLES].sort());
  }
});

test('the compose.yaml-only variables are used by compose.yaml and read by no code', () => {
  const compose = readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8');
  expect(example.composeOnly).toContain('POSTGRES_PASSWORD');
  for (const name of example.composeOnly) {
    expect({ name, inCompose: compose.includes(`\${${name}`) }).toEqual({ name, inCompose: true });
    expect(ENV_VARIABLES).not.toContain(name);
  }
});

test('what compose.yaml gives the product from .env.example is a valid production configuration on its own Redis and PostgreSQL', () => {
  const compose = readCompose();
  const product = compose.services.product;
  expect(product?.env_file).toBe('.env');
  const environment = Object.fromEntries(Object.entries(product?.environment ?? {}).map(([k, v]) => [k, interpolate(v, example.set)]));
  // compose's `environment:` wins over the env file.
  const result = loadConfig({ ...example.set, ...environment });
  expect(result.ok ? [] : result.errors).toEqual([]);
  if (!result.ok) return;
  expect(result.config.production).toBe(true);
  expect(result.config.redisUrl).toBe('redis://redis:6379');
  expect(result.config.database.url).toBe(`postgres://regideso:${example.set.POSTGRES_PASSWORD}@postgres:5432/regideso`);
  expect(result.config.port).toBe(3000);
  // Every placeholder an operator must replace says so.
  for (const name of ['WEBHOOK_TOKEN', 'REGIDESO_API_KEY', 'REGIDESO_OPERATOR', 'PAWAPAY_API_TOKEN', 'AT_API_KEY', 'POSTGRES_PASSWORD']) {
    expect({ name, placeholder: example.set[name]?.startsWith('CHANGE_ME') }).toEqual({ name, placeholder: true });
  }
});

test('compose.yaml runs Redis and PostgreSQL as the operations guide asks, each checked before the product starts, on named volumes', () => {
  const compose = readCompose();
  const { product, redis, postgres } = compose.services;
  expect(product?.build).toBe('.');
  expect(product?.environment?.NODE_ENV).toBe('production');
  expect(product?.depends_on).toEqual({ redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
  expect(product?.healthcheck?.test.join(' ')).toContain('/readyz');
  expect(redis?.healthcheck?.test.join(' ')).toContain('redis-cli ping');
  expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
  const redisArgs = (redis?.command ?? []).join(' ');
  expect(redisArgs).toContain('--appendonly yes');
  expect(redisArgs).toContain('--maxmemory-policy noeviction');
  // The data lives on volumes declared at the top level, by name: not in a container's layer.
  for (const [service, mount] of [
    [redis, '/data'],
    [postgres, '/var/lib/postgresql/data'],
  ] as const) {
    const volume = service?.volumes?.find((v) => v.endsWith(`:${mount}`))?.split(':')[0];
    expect(volume !== undefined && volume in compose.volumes).toBe(true);
  }
});
