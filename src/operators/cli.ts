import { option } from '../cli-options';
import { loadConfigFromProcess } from '../config';
import { migrate } from '../db/migrate';
import { openLedgerDb } from '../db/open';
import type { Db } from '../db/types';
import { createOperatorStore, operatorName, ROLES, type OperatorStore, type Role } from './store';

/**
 * `npm run operator -- add --name NAME --role viewer|resolver|admin`, `list`, `revoke --name NAME`:
 * the operators' keys, in the ledger the product uses (DATABASE_URL, or the embedded one in
 * DATA_DIR, opened as `npm run db:migrate` opens it). `add` prints the key alone on its last line,
 * so a script can take it with `tail -n 1`; it is shown this once and stored only as a hash.
 */
const USAGE = `usage:
  npm run operator -- add --name NAME --role ${ROLES.join('|')}
  npm run operator -- list
  npm run operator -- revoke --name NAME`;

/** A mistake in the command line: said in one sentence, exit code 2. */
class UsageError extends Error {}
/** The command was understood but cannot be done (a duplicate name, an unknown one): exit code 1. */
class RefusedError extends Error {}

const OPTIONS: Record<string, readonly string[]> = { add: ['name', 'role'], list: [], revoke: ['name'] };

function valueOf(args: string[], name: string): string {
  const v = option(args, name);
  if (v === undefined || v.startsWith('--') || v.trim() === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

function checkOptions(command: string, args: string[]): void {
  const allowed = OPTIONS[command] ?? [];
  for (const a of args) {
    if (!a.startsWith('--')) continue;
    const name = a.slice(2).split('=')[0] ?? '';
    if (!allowed.includes(name)) throw new UsageError(`${command} takes no --${name}${allowed.length > 0 ? ` (only ${allowed.map((o) => `--${o}`).join(', ')})` : ''}`);
  }
}

function nameFrom(args: string[]): string {
  const parsed = operatorName.safeParse(valueOf(args, 'name'));
  if (!parsed.success) throw new UsageError(`--name: ${parsed.error.issues[0]?.message ?? 'not a name'}`);
  return parsed.data;
}

function roleFrom(args: string[]): Role {
  const raw = valueOf(args, 'role');
  const role = ROLES.find((r) => r === raw);
  if (role === undefined) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${raw}"`);
  return role;
}

async function run(store: OperatorStore, command: string, args: string[]): Promise<void> {
  if (command === 'add') {
    const name = nameFrom(args);
    const role = roleFrom(args);
    const out = await store.add(name, role);
    if (out.kind === 'duplicate') {
      throw new RefusedError(`an operator named "${name}" already has a working key; to give them a new one, revoke it first: npm run operator -- revoke --name "${name}"`);
    }
    console.log(`Operator "${name}" added with the role ${role}.`);
    console.log('Their key follows. Give it to them now: it is shown only this once and cannot be read again.');
    console.log(out.key);
    return;
  }
  if (command === 'list') {
    const all = await store.list();
    if (all.length === 0) {
      console.log('No operators yet. Add one with: npm run operator -- add --name NAME --role viewer');
      return;
    }
    const width = Math.max(4, ...all.map((o) => o.name.length));
    console.log(`${'name'.padEnd(width)}  role      created                   status`);
    for (const o of all) {
      const status = o.revokedAt === null ? 'active' : `revoked ${o.revokedAt.toISOString()}`;
      console.log(`${o.name.padEnd(width)}  ${o.role.padEnd(8)}  ${o.createdAt.toISOString()}  ${status}`);
    }
    return;
  }
  // revoke
  const name = nameFrom(args);
  if (!(await store.revoke(name))) throw new RefusedError(`no operator named "${name}" has a working key (see: npm run operator -- list)`);
  console.log(`The key of "${name}" is revoked: it stops working at once.`);
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined || !(command in OPTIONS)) {
    console.error(command === undefined ? 'which command?' : `unknown command "${command}"`);
    console.error(USAGE);
    return 2;
  }
  try {
    checkOptions(command, args);
    // Before the ledger is opened: a typo costs nothing.
    if (command !== 'list') nameFrom(args);
    if (command === 'add') roleFrom(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    console.error(USAGE);
    return 2;
  }

  const result = loadConfigFromProcess();
  if (!result.ok) {
    console.error(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
    return 1;
  }
  const { url, dataDir } = result.config.database;
  const db: Db = await openLedgerDb({ url, dataDir });
  try {
    await migrate(db);
    await run(createOperatorStore(db), command, args);
    return 0;
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('operator command failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
