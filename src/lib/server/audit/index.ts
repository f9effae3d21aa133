import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Who did something: a signed-in official, a candidate, or the system itself. */
export interface Actor {
	userId: string | null;
	label: string;
	ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };

export interface AuditEntry {
	action: string;
	centreId?: string | null;
	subjectType?: string;
	subjectId?: string;
	details?: Record<string, unknown>;
}

/** Appends one entry to the audit log. Pass the transaction that made the change, so both commit together. */
export async function writeAudit(db: Kysely<Database>, actor: Actor, entry: AuditEntry): Promise<void> {
	await db
		.insertInto('audit_log')
		.values({
			actor_user_id: actor.userId,
			actor_label: actor.label,
			action: entry.action,
			centre_id: entry.centreId ?? null,
			subject_type: entry.subjectType ?? null,
			subject_id: entry.subjectId ?? null,
			details: JSON.stringify(entry.details ?? {}),
			ip: actor.ip ?? null
		})
		.execute();
}

export async function listAudit(db: Kysely<Database>, filter: { centreId?: string; limit?: number } = {}) {
	let q = db
		.selectFrom('audit_log')
		.selectAll()
		.orderBy('id', 'desc')
		.limit(filter.limit ?? 100);
	if (filter.centreId) q = q.where('centre_id', '=', filter.centreId);
	return q.execute();
}
