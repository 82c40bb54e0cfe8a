/** The seven province codes of REGIDESO's API, with their names and local UTC offsets. */
export const PROVINCE_CODES = ['KIN', 'KC', 'KAT', 'NK', 'SK', 'MB', 'KAN'] as const;
export type Province = (typeof PROVINCE_CODES)[number];
export const DEFAULT_PROVINCE: Province = 'KIN';

export const PROVINCES: Record<Province, { name: string; utcOffsetHours: number }> = {
  KIN: { name: 'Kinshasa', utcOffsetHours: 1 },
  KC: { name: 'Kongo Central', utcOffsetHours: 1 },
  KAT: { name: 'Katanga', utcOffsetHours: 2 },
  NK: { name: 'Nord-Kivu', utcOffsetHours: 2 },
  SK: { name: 'Sud-Kivu', utcOffsetHours: 2 },
  MB: { name: 'Kasai Oriental', utcOffsetHours: 2 },
  KAN: { name: 'Kananga', utcOffsetHours: 2 },
};

export function isProvince(v: string): v is Province {
  return (PROVINCE_CODES as readonly string[]).includes(v);
}

/** Accepts a code or a name, any case and accents ("kasaï oriental", "nk"). */
export function parseProvince(v: string): Province | undefined {
  const norm = v.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[\s_-]+/g, ' ').trim().toUpperCase();
  if (isProvince(norm)) return norm;
  for (const code of PROVINCE_CODES) {
    if (PROVINCES[code].name.replace(/-/g, ' ').toUpperCase() === norm) return code;
  }
  return undefined;
}

/** `YYYY-MM-DD HH:mm:ss` in the province's local time, as PayFact's `date_payement` wants it. */
export function provinceLocalTime(at: Date, province: Province): string {
  const local = new Date(at.getTime() + PROVINCES[province].utcOffsetHours * 3_600_000);
  return local.toISOString().slice(0, 19).replace('T', ' ');
}
