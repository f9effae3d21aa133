/** Voiding an attempt (by the invigilator) and reinstating a void made by mistake (by the centre). */
import type { Kysely } from 'kysely';

import { ACTIVE_STATES, candidateSessionEnds, may } from '../../domain/attempt.js';
import { applyTransition, factsOf, lockAttempt, newReference } from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import { recordEvent } from '../attempts/events.js';
import {
	capitalise,
	changedMeanwhile,
	requireReason,
	type ActionContext
} from '../attempts/official-action.js';
import { resultsApproved } from '../awarding/approval.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';
import { endCandidateSessionsSoon } from './candidate-sessions.js';
import { sittingFor } from './sitting-lock.js';

export async function voidAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'voiding the attempt');
	await db.transaction().execute(async (tx) => {
		// Settled, so an attempt whose reading time has ended is recorded as voided while answering.
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId, sittingId), now);
		if (a.state === 'void' || a.state === 'absent')
			throw new ConflictError(`Cannot void an attempt that is ${a.state}`, { state: a.state });
		if (!(await applyTransition(tx, a, 'void', now, { void_reason: reason, voided_from: a.state })))
			changedMeanwhile(a);
		await endCandidateSessionsSoon(tx, [a.id], now);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: 'void',
				reason,
				centreId: ctx.centreId,
				details: { before: a.state, after: 'void' }
			},
			now
		);
	});
}

/**
 * Reinstates a voided attempt (a void made by mistake), by the centre administrator, with a reason,
 * until results for the sitting's paper are approved. The attempt returns to the state it was voided
 * from; an exam that was open then is submitted if the sitting has ended meanwhile. The time between
 * the void and now is not given back: the invigilator can give extra time. Returns the new state.
 */
export async function reinstateAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn: string
): Promise<string> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'reinstating the attempt');
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		const a = await lockAttempt(tx, attemptId, sittingId);
		if (a.state !== 'void')
			throw new ConflictError('Only a voided attempt can be reinstated', { state: a.state });
		const more = {
			sittingEnded: s.state === 'ended',
			resultsApproved: await resultsApproved(tx, s.paper_version_id)
		};
		const verdict = may({ ...factsOf(a), ...more }, 'reinstate', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		const reopensAs = a.voided_from === 'paused' && !more.sittingEnded ? 'paused' : null;
		const closesAtEnd =
			more.sittingEnded && a.voided_from !== null && ACTIVE_STATES.includes(a.voided_from);
		const changes = {
			voided_from: null,
			void_reason: null,
			// Voided while paused: back to paused (the invigilator resumes when the candidate is ready).
			...(reopensAs
				? {
						paused_from:
							a.reading_ends_at && a.reading_ends_at > now
								? ('reading' as const)
								: ('in_progress' as const),
						paused_at: now,
						pause_kind: 'invigilator' as const,
						pause_reason: 'Reinstated after a void'
					}
				: {}),
			// Open when voided, and the sitting has ended since: submitted as at the end of the sitting.
			...(closesAtEnd
				? {
						submitted_at: s.ended_at ?? now,
						submit_reason: 'sitting_ended' as const,
						reference: a.reference ?? newReference()
					}
				: {})
		};
		const reinstated = await applyTransition(tx, a, 'reinstate', now, changes, more);
		if (!reinstated) changedMeanwhile(a);
		// An exam reopened: the candidate's session (set to end soon after the void), if it has not
		// ended yet, lives on as a sign-in's does (candidateSessionEnds), and ends like any other: then
		// the candidate signs in again (judgeCandidateSignIn), no move needed. Never "no end": that
		// session would hold the exam for ever.
		if (ACTIVE_STATES.includes(reinstated.state)) {
			const sessions = await tx
				.selectFrom('auth_session')
				.select(['id', 'created_at'])
				.where('attempt_id', '=', a.id)
				.where('expires_at', '>', now)
				.where('moved_at', 'is', null)
				.execute();
			for (const x of sessions)
				await tx
					.updateTable('auth_session')
					.set({ expires_at: candidateSessionEnds(x.created_at) })
					.where('id', '=', x.id)
					.execute();
		}
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: 'reinstate',
				reason,
				centreId: ctx.centreId,
				details: { before: 'void', after: reinstated.state, voided_from: a.voided_from }
			},
			now
		);
		return reinstated.state;
	});
}
