/** Attendance: the invigilator marks candidates present or absent before they start. */
import type { Kysely } from 'kysely';

import { applyTransition, lockAttempt } from '../attempts/attempt-store.js';
import { recordEvent } from '../attempts/events.js';
import { changedMeanwhile, type ActionContext } from '../attempts/official-action.js';
import type { Database } from '../db/schema.js';

export async function markAttendance(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	present: boolean
): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (present) {
			if (a.state === 'absent') {
				if (!(await applyTransition(tx, a, 'mark_present', now, { present: true })))
					changedMeanwhile(a);
			} else {
				if (a.present) return;
				await tx
					.updateTable('attempt')
					.set({ present: true, updated_at: now })
					.where('id', '=', a.id)
					.execute();
			}
		} else {
			if (!(await applyTransition(tx, a, 'mark_absent', now, { present: false })))
				changedMeanwhile(a);
		}
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: present ? 'present' : 'absent', centreId: ctx.centreId },
			now
		);
	});
}

/** Marks every candidate not yet marked present; returns how many. */
export async function markAllPresent(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string
): Promise<number> {
	const rows = await db
		.selectFrom('attempt')
		.select('id')
		.where('sitting_id', '=', sittingId)
		.where('state', '=', 'not_started')
		.where('present', '=', false)
		.execute();
	for (const r of rows) await markAttendance(db, ctx, sittingId, r.id, true);
	return rows.length;
}
