/**
 * Messages from the cost panel, checked before the host acts on them: the
 * panel is a web page, and what crosses `postMessage` is whatever it sent
 * (an older panel after an update, a page that misbehaves), not what the
 * protocol's types promise.
 */
import * as z from 'zod';
import type { PanelMessage } from '../protocol/panelProtocol';

const panelMessageSchema: z.ZodType<PanelMessage> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('openOutput') }),
  z.strictObject({ type: z.literal('openReport') }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('profile') }),
  z.strictObject({ type: z.literal('auditLabel'), key: z.string().min(1), label: z.enum(['agree', 'disagree', 'skip']) }),
]);

/** The message, or what is wrong with it (to log; the host then ignores it). */
export function parsePanelMessage(value: unknown): PanelMessage | { readonly problem: string } {
  const parsed = panelMessageSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return { problem: `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'not valid'}` };
}
