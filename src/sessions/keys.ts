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

export function phoneKeys(prefix: string, phone: string): { prefs: string; rate: string; lookups: string } {
  const prefs = `${prefix}p:{${phone}}`;
  return { prefs, rate: `${prefs}:rl`, lookups: `${prefs}:lk` };
}
