import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';

/** The actor of what the server does on its own (reading ends, the deadline passes). */
export const SYSTEM_CLOCK: Actor = { userId: null, label: 'system (clock)' };

export interface SittingEventInput {
	sittingId: string;
	attemptId?: string | null;
	kind: string;
	reason?: string | null;
	minutes?: number | null;
	centreId?: string | null;
	/** More for the audit log only (e.g. the state before and after). */
	details?: Record<string, unknown>;
}

/** Appends to the sitting's event log and, for officials, the audit log. */
export async function recordEvent(
	db: Db,
	actor: Actor,
	e: SittingEventInput,
	at = new Date()
): Promise<void> {
	await db
		.insertInto('sitting_event')
		.values({
			sitting_id: e.sittingId,
			attempt_id: e.attemptId ?? null,
			kind: e.kind,
			reason: e.reason ?? null,
			minutes: e.minutes ?? null,
			actor_user_id: actor.userId,
			actor_label: actor.label,
			occurred_at: at
		})
		.execute();
	if (actor.userId) {
		await writeAudit(db, actor, {
			action: `sitting.${e.kind}`,
			centreId: e.centreId ?? null,
			subjectType: e.attemptId ? 'attempt' : 'sitting',
			subjectId: e.attemptId ?? e.sittingId,
			details: {
				sitting_id: e.sittingId,
				reason: e.reason ?? undefined,
				minutes: e.minutes ?? undefined,
				...e.details
			}
		});
	}
}
