/**
 * A reconciliation day is a calendar day in Kinshasa (UTC+1, no daylight saving): the day the
 * operator closes its books, whatever the server's own time zone.
 */
const KINSHASA_OFFSET_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` that names a day that exists (`Date` would roll 2026-02-30 over to March). */
export function isRealDay(ymd: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return false;
  const d = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === ymd;
}

/** The Kinshasa day an instant falls on. */
export function kinshasaDay(at: Date): string {
  return new Date(at.getTime() + KINSHASA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instants a Kinshasa day covers: `from` included, `to` (the next midnight) excluded. */
export function dayBounds(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00+01:00`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

export function previousDay(day: string): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() - DAY_MS).toISOString().slice(0, 10);
}

/** Minutes since midnight in Kinshasa. */
export function kinshasaMinutes(at: Date): number {
  const shifted = new Date(at.getTime() + KINSHASA_OFFSET_MS);
  return shifted.getUTCHours() * 60 + shifted.getUTCMinutes();
}
