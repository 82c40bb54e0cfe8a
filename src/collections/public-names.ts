import type { Provider } from './types';

/** The names subscribers know their wallets by (screens, SMS, the browser phone's prompt), never pawaPay's codes. */
export const PUBLIC_NAMES: Readonly<Record<Provider, string>> = { VODACOM_MPESA_COD: 'M-Pesa', AIRTEL_COD: 'Airtel Money', ORANGE_COD: 'Orange Money' };
