import { BudgetExceededError } from '../core/engine';
import { InputChangedError } from '../io/inputError';
import type { StopReason } from '../text/stopReason';
import { DeclinedError } from './runJob';

/**
 * Why a run ended without a report, from what it threw. `cancelled` is the
 * caller's own knowledge that the person stopped it (its abort signal fired).
 */
export function stopReason(error: unknown, cancelled: boolean): StopReason {
  if (error instanceof DeclinedError) return { kind: 'declined' };
  if (error instanceof BudgetExceededError) return { kind: 'budget', limit: error.limit, paid: error.paid };
  if (error instanceof InputChangedError) return { kind: 'changed', file: error.file, detail: error.detail };
  if (cancelled) return { kind: 'cancelled' };
  return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
}
