// The pieces every check is made of: its definition, and its outcome (pass / warn / fail / skip).
import { describeError, isTunnelError } from '../errors.js';
import type { CheckId, CheckOutcome, DoctorFacts, DoctorPorts } from './types.js';

export interface CheckDefinition {
  id: CheckId;
  title: string;
  /** Checks that must have passed (or warned) for this one to run. */
  needs: readonly CheckId[];
  run(facts: DoctorFacts, ports: DoctorPorts): Promise<CheckOutcome>;
}

/** A thrown error as a failed check: a TunnelError says what to do; anything else is our bug. */
export function failed(error: unknown): { status: 'fail'; detail: string; hint: string | null } {
  if (isTunnelError(error)) return { status: 'fail', detail: error.message, hint: error.hint ?? null };
  return {
    status: 'fail',
    detail: describeError(error),
    hint: 'This looks like a bug in tunnel; please report it with the output of tunnel doctor.',
  };
}

export const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
export const warn = (detail: string, hint?: string): CheckOutcome => ({ status: 'warn', detail, hint });
export const fail = (detail: string, hint?: string): CheckOutcome => ({ status: 'fail', detail, hint });
export const skip = (detail: string): CheckOutcome => ({ status: 'skip', detail });

/** For a check whose `needs` guarantee a fact: a missing one is a wiring bug, said plainly. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`doctor: ${what} is missing`);
  return value;
}
