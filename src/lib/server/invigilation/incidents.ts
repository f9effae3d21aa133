/** Incidents logged against the sitting or a candidate, and a move to another computer. */
import type { Kysely } from 'kysely';

import { may } from '../../domain/attempt.js';
import { factsOf, lockAttempt } from '../attempts/attempt-store.js';
import { recordEvent } from '../attempts/events.js';
import { capitalise, requireReason, type ActionContext } from '../attempts/official-action.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';

export async function logIncident(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<void> {
	const reason = requireReason(reasonIn, 'the incident');
	await db.transaction().execute(async (tx) => {
		if (attemptId) await lockAttempt(tx, attemptId, sittingId);
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'incident', reason, centreId: ctx.centreId },
			ctx.now
		);
	});
}

/** Lets a candidate whose computer failed sign in on another; their old sessions end then. */
export async function allowMove(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the move');
	await db.transaction().execute(async (tx) => {
		const a = await lockAttempt(tx, attemptId, sittingId);
		const verdict = may(factsOf(a), 'allow_move', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		await tx
			.updateTable('attempt')
			.set({ move_allowed_at: now, updated_at: now })
			.where('id', '=', a.id)
			.execute();
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'allow_move', reason, centreId: ctx.centreId },
			now
		);
	});
}
