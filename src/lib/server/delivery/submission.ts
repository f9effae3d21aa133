import type { Kysely } from 'kysely';

import { may } from '../../domain/attempt.js';
import type { ClockView, SubmitResult } from '../../exam-api.js';
import { applyTransition, factsOf, lockAttempt, newReference } from '../attempts/attempt-store.js';
import { clockView, settleAttempt } from '../attempts/clock.js';
import { recordEvent } from '../attempts/events.js';
import { restartClock, stopClock } from '../attempts/pauses.js';
import type { Database } from '../db/schema.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import { loaded, type LoadedAttempt } from './candidate-session.js';

/** The candidate's own attempt, settled to now (reading may have ended, the deadline passed). */
export async function getCandidateClock(
	db: Kysely<Database>,
	attempt: string | LoadedAttempt,
	now = new Date()
): Promise<ClockView> {
	const a = await settleAttempt(db, (await loaded(db, attempt)).row, now);
	return clockView(a, now);
}

/** The candidate submits. Idempotent: submitting again answers the same receipt. */
export async function submitAttempt(
	db: Kysely<Database>,
	attemptId: string,
	now = new Date()
): Promise<SubmitResult> {
	return db.transaction().execute(async (tx) => {
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId), now);
		if (a.state === 'submitted')
			return {
				state: 'submitted',
				submittedAt: a.submitted_at!.toISOString(),
				reference: a.reference!
			};
		const verdict = may(factsOf(a), 'submit', now);
		if (!verdict.ok)
			throw new ConflictError(`The exam cannot be submitted now: ${verdict.reason}`, {
				state: a.state
			});
		const reference = newReference();
		const done = await applyTransition(tx, a, 'submit', now, {
			submitted_at: now,
			submit_reason: 'candidate',
			reference
		});
		if (!done)
			throw new ConflictError('The exam changed while submitting; please try again', {
				state: a.state
			});
		await recordEvent(
			tx,
			{ userId: null, label: 'candidate' },
			{ sittingId: a.sitting_id, attemptId: a.id, kind: 'submit' },
			now
		);
		return { state: 'submitted', submittedAt: now.toISOString(), reference };
	});
}

/**
 * A candidate with supervised rest breaks stops and restarts their own clock. Only a break they
 * started can be ended by them; an invigilator's pause is the invigilator's to lift.
 */
export async function candidateRestBreak(
	db: Kysely<Database>,
	attemptId: string,
	start: boolean,
	now = new Date()
): Promise<ClockView> {
	const question = start ? 'rest_break_start' : 'rest_break_end';
	await db.transaction().execute(async (tx) => {
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId), now);
		const verdict = may(factsOf(a), question, now);
		if (!verdict.ok) {
			if (!a.rest_breaks)
				throw new ForbiddenError(
					'Rest breaks are not part of your access arrangements. Ask your invigilator.'
				);
			throw new ConflictError(
				start
					? `A rest break can start only while you are answering`
					: `You are not on a rest break`,
				{ state: a.state }
			);
		}
		const done = start
			? await stopClock(tx, a, 'rest_break_start', 'Rest break', now)
			: await restartClock(tx, a, 'rest_break_end', now);
		if (!done)
			throw new ConflictError('The exam changed meanwhile; please try again', { state: a.state });
		const sitting = await tx
			.selectFrom('sitting')
			.select('centre_id')
			.where('id', '=', a.sitting_id)
			.executeTakeFirstOrThrow();
		await recordEvent(
			tx,
			{ userId: null, label: 'candidate (rest break)' },
			{ sittingId: a.sitting_id, attemptId: a.id, kind: question, centreId: sitting.centre_id },
			now
		);
	});
	return getCandidateClock(db, attemptId, now);
}
