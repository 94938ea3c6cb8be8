/** Why a run stopped before its report, in the words the command line and the extension both show. */
import { usd } from './money';

export type StopReason =
  | { readonly kind: 'budget'; readonly limit: number; readonly paid: number }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'declined' }
  /** The input changed while the run was reading it (`detail` says how it showed). */
  | { readonly kind: 'changed'; readonly file: string; readonly detail: string }
  | { readonly kind: 'error'; readonly message: string };

/**
 * The reason in a sentence or two. `resume` says how to continue where the
 * person is, as a capitalised imperative: "Run the same command again" on the
 * command line, 'Run "Smart: Resume Run"' in the editor.
 */
export function describeStop(reason: StopReason, resume: string): string {
  const cached = `${resume} to continue; calls already made are cached and cost nothing.`;
  switch (reason.kind) {
    case 'budget':
      return `Stopped after paying ${usd(reason.paid)}, the most allowed (${usd(reason.limit)}). ${cached}`;
    case 'cancelled':
      return `Cancelled. ${cached}`;
    case 'declined':
      return 'Stopped before any paid call: the cost preview was declined.';
    case 'changed':
      return `Stopped: ${reason.file} changed while the run was going (${reason.detail}), so no output was written. ${resume} to process it as it is now; calls already made are cached and cost nothing.`;
    case 'error':
      return reason.message;
  }
}
