import winston from 'winston';
import { maskName, maskPhone } from './mask';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  json: boolean;
  /** Values that must never appear in a log line (API keys, tokens), wherever they hide. */
  secrets: string[];
  /** Tests pass a stream to read what was logged. */
  stream?: NodeJS.WritableStream;
}

const SECRET_FIELDS = /^(x-api-key|apikey|api_key|authorization|token|password|secret)$/i;
const PHONE_FIELDS = /^(phone|phonenumber|from|to|msisdn)$/i;
const NAME_FIELDS = /^(name|nom_client|nomclient|subscriber|subscribername)$/i;

/**
 * Masks by field name (phones, names) and redacts secrets by field name *and* by value, so a key
 * that slips into an error message or a URL is still caught.
 */
function scrub(value: unknown, secrets: string[], key: string, depth: number): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') {
    if (SECRET_FIELDS.test(key)) return '[redacted]';
    if (PHONE_FIELDS.test(key)) return maskPhone(value);
    if (NAME_FIELDS.test(key)) return maskName(value);
    let out = value;
    for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets, key, depth + 1));
  // `type`, not `name`: an error's class name is no person's name and must stay readable.
  if (value instanceof Error) return scrub({ type: value.name, message: value.message }, secrets, key, depth + 1);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, secrets, k, depth + 1);
    return out;
  }
  return value;
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = opts.secrets.filter((s) => s.length > 0);
  const scrubFormat = winston.format((info) => {
    for (const k of Object.keys(info)) {
      (info as Record<string, unknown>)[k] = scrub(info[k], secrets, k, 0);
    }
    return info;
  });
  const format = opts.json
    ? winston.format.combine(scrubFormat(), winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        scrubFormat(),
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.printf(({ timestamp, level, message, ...rest }) => {
          const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}`;
        }),
      );
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn'] });
  return dropBelowLevel(winston.createLogger({ level: opts.level, format, transports: [transport] }));
}

/**
 * Winston formats every entry (scrubbing, timestamp, JSON) before its transport drops one below
 * the level: a `debug` call on a hot path would cost as much as a line written. Entries no
 * transport takes are dropped before any of that.
 */
function dropBelowLevel(logger: Logger): Logger {
  const write = logger.write.bind(logger);
  const enabled = (entry: unknown): boolean => {
    const level = typeof entry === 'object' && entry !== null && 'level' in entry ? entry.level : undefined;
    return typeof level !== 'string' || logger.isLevelEnabled(level);
  };
  logger.write = ((entry: unknown, ...rest: unknown[]) => (enabled(entry) ? (write as (...a: unknown[]) => boolean)(entry, ...rest) : true)) as Logger['write'];
  return logger;
}

/** A logger that drops everything: for tests and tools that do not care. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
