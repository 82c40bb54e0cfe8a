import { fetchBills, selectBills } from './bills';
import { setLanguage } from './language';
import { amountCheck } from './amount';
import { confirmPayment } from './payment';
import { dropResume, openSession, resumePayment } from './resume';
import { forgetSaved, listSaved } from './saved';
import type { ActionDef, ActionName, CheckDef, CheckName } from './types';
import { verifyReceipt } from './verify';
import { detectWallet, walletRules } from './wallet';

export const ACTIONS: Record<ActionName, ActionDef> = {
  fetchBills,
  selectBills,
  detectWallet,
  walletRules,
  confirmPayment,
  verifyReceipt,
  setLanguage,
  openSession,
  resumePayment,
  dropResume,
  listSaved,
  forgetSaved,
};
export const CHECKS: Record<CheckName, CheckDef> = { amount: amountCheck };
