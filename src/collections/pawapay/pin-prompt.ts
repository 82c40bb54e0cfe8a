import type { PinPrompt } from '../types';
import type { OperationConf } from './wire';

/**
 * The PIN-prompt settings of a provider's deposits. pawaPay gives instructions per channel (USSD,
 * app) as texts per language, each with a template and its variables (`Dial {{shortCode}} …`,
 * `{"shortCode": "*150*50#"}`) and a `quickLink` (`tel:*150*50%23`). Those texts are English or
 * French and may hold characters outside GSM-7, so none is shown to the subscriber as it is: only the
 * USSD code is taken, from the variables first, then the link, then the text itself.
 */
const USSD_CODE = /\*[0-9*]*[0-9][0-9*]*#/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function codeIn(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // A stray % in a sentence: read it as it is.
  }
  return USSD_CODE.exec(decoded)?.[0];
}

/** Every string under `v`, variables before texts, depth-first (the shapes vary between examples). */
function strings(v: unknown, out: { variables: string[]; texts: string[] }, inVariables = false, depth = 0): void {
  if (depth > 8) return;
  if (typeof v === 'string') (inVariables ? out.variables : out.texts).push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out, inVariables, depth + 1);
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) strings(x, out, inVariables || k === 'variables', depth + 1);
}

/** The USSD code the instructions tell the subscriber to dial; undefined when they name none. */
export function dialCodeFrom(instructions: unknown): string | undefined {
  const channels = isRecord(instructions) && Array.isArray(instructions.channels) ? instructions.channels : Array.isArray(instructions) ? instructions : [instructions];
  // The USSD channel speaks to a feature phone; another channel's code is a fallback.
  const ordered = [...channels.filter((c) => isRecord(c) && c.type === 'USSD'), ...channels.filter((c) => !(isRecord(c) && c.type === 'USSD'))];
  for (const channel of ordered) {
    const found = { variables: [] as string[], texts: [] as string[] };
    strings(channel, found);
    const link = isRecord(channel) ? codeIn(channel.quickLink) : undefined;
    for (const candidate of [...found.variables.map(codeIn), link, ...found.texts.map(codeIn)]) if (candidate !== undefined) return candidate;
  }
  return undefined;
}

/** The deposit configuration's prompt settings; undefined for the plain case (automatic, not revivable). */
export function pinPromptOf(conf: OperationConf): PinPrompt | undefined {
  const manual = conf.pinPrompt === 'MANUAL';
  const revivable = conf.pinPromptRevivable === true;
  if (!manual && !revivable) return undefined;
  return { mode: manual ? 'manual' : 'automatic', revivable, dialCode: dialCodeFrom(conf.pinPromptInstructions) };
}
