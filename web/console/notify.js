// @ts-check
import { ApiError } from './api.js';
import { t } from './i18n.js';

/** A failed request in a sentence for the operator. @param {unknown} err */
export function errorText(err) {
  if (err instanceof ApiError && err.status === 403) return t('error.forbidden');
  if (err instanceof ApiError) return t('error.generic', { message: err.message });
  return t('error.network');
}
