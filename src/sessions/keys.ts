/**
 * Every Redis key of the USSD side, from one prefix, one namespace per kind: a session id that
 * happens to equal a phone number must never reach that phone's preferences. The braces are Redis
 * Cluster hash tags: a session's keys share one slot (its scripts touch them together), and so do
 * a phone's.
 */
export function sessionKeys(prefix: string, id: string): { record: string; lease: string; wait: string } {
  const record = `${prefix}s:{${id}}`;
  return { record, lease: `${record}:l`, wait: `${record}:w` };
}

export function phoneKeys(prefix: string, phone: string): { prefs: string; rate: string; lookups: string; kept: string; resumeSent: string; paid: string } {
  const prefs = `${prefix}p:{${phone}}`;
  // kept: a dropped payment kept for a resume; resumeSent: its SMS went (one per phone per 30 min);
  // paid: when the last confirmed payment's session started (older dropped sessions are not resumed).
  return { prefs, rate: `${prefs}:rl`, lookups: `${prefs}:lk`, kept: `${prefs}:rp`, resumeSent: `${prefs}:rs`, paid: `${prefs}:pd` };
}

/**
 * Sessions on a screen a dropped payment resumes from, by the time they expire: a periodic scan
 * finds those no network notice ended. One sorted set per prefix, in a slot of its own.
 */
export function resumeDueKey(prefix: string): string {
  return `${prefix}resume:{due}`;
}
