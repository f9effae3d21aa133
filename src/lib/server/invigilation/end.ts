/**
 * Ending the sitting: every attempt still open is submitted, candidate sessions end shortly after,
 * and the submitted attempts go to marking.
 */
import type { Kysely } from 'kysely';

import { count } from '../../domain/words.js';
import { applyTransition, newReference } from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import { recordEvent } from '../attempts/events.js';
import type { ActionContext } from '../attempts/official-action.js';
import { transitionAllowed } from '../attempts/rules.js';
import type { Database } from '../db/schema.js';
import { createReadyScripts } from '../scripts/store.js';
import { applySittingAction, requireSittingAllows } from '../sittings/sitting-state.js';
import { endCandidateSessionsSoon } from './candidate-sessions.js';
import { sittingFor } from './sitting-lock.js';

/** Ends the sitting: every attempt still open (reading, answering or paused) is submitted; candidate sessions end shortly after. */
export async function endSitting(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const submitted = await db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		requireSittingAllows(s, 'end');
		const open = await tx
			.selectFrom('attempt')
			.selectAll()
			.where('sitting_id', '=', sittingId)
			.where(transitionAllowed('end_sitting', now))
			.forUpdate()
			.execute();
		let n = 0;
		for (const a0 of open) {
			const a = await settleAttempt(tx, a0, now);
			if (a.state === 'submitted') continue;
			const ended = await applyTransition(tx, a, 'end_sitting', now, {
				submitted_at: now,
				submit_reason: 'sitting_ended',
				reference: newReference()
			});
			if (ended) n++;
		}
		await applySittingAction(tx, s, 'end', { ended_at: now });
		const all = await tx
			.selectFrom('attempt')
			.select('id')
			.where('sitting_id', '=', sittingId)
			.execute();
		await endCandidateSessionsSoon(
			tx,
			all.map((r) => r.id),
			now
		);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				kind: 'end',
				reason: `${count(n, 'attempt')} submitted at the end`,
				centreId: ctx.centreId
			},
			now
		);
		return { n, paperVersionId: s.paper_version_id };
	});
	// Once the sitting has ended no answer can change: its submitted attempts go to marking now.
	await createReadyScripts(db, now, submitted.paperVersionId);
	return submitted.n;
}
