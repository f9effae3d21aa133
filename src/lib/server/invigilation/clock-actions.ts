/** The invigilator's hand on the clock: pause and resume (one candidate or all), and extra time. */
import type { Kysely } from 'kysely';

import { may } from '../../domain/attempt.js';
import { extendClock } from '../../domain/timing.js';
import { clockOf, factsOf, lockAttempt } from '../attempts/attempt-store.js';
import { settleAttempt } from '../attempts/clock.js';
import { recordEvent } from '../attempts/events.js';
import { capitalise, requireReason, type ActionContext } from '../attempts/official-action.js';
import { restartClock, stopClock } from '../attempts/pauses.js';
import { transitionAllowed } from '../attempts/rules.js';
import type { Database } from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';

export async function pause(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'the pause');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx
					.selectFrom('attempt')
					.selectAll()
					.where('sitting_id', '=', sittingId)
					// A candidate on a rest break is paused too: the invigilator's pause must hold them (they could otherwise end their break and write on).
					.where(transitionAllowed('pause', now))
					.forUpdate()
					.execute();
		let n = 0;
		for (const a of rows) if (await stopClock(tx, a, 'pause', reason, now)) n++;
		if (attemptId && n === 0)
			throw new ConflictError(
				'Only a candidate who is reading, answering or on a rest break can be paused',
				{ state: rows[0]!.state }
			);
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: attemptId ? 'pause' : 'pause_all',
				reason,
				centreId: ctx.centreId
			},
			now
		);
		return n;
	});
}

export async function resume(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string | null,
	reasonIn: string
): Promise<number> {
	const now = ctx.now ?? new Date();
	const reason = requireReason(reasonIn, 'resuming');
	return db.transaction().execute(async (tx) => {
		const rows = attemptId
			? [await lockAttempt(tx, attemptId, sittingId)]
			: await tx
					.selectFrom('attempt')
					.selectAll()
					.where('sitting_id', '=', sittingId)
					.where('state', '=', 'paused')
					.forUpdate()
					.execute();
		let n = 0;
		for (const a of rows) if (await restartClock(tx, a, 'resume', now)) n++;
		if (attemptId && n === 0)
			throw new ConflictError('This candidate is not paused', { state: rows[0]!.state });
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				attemptId,
				kind: attemptId ? 'resume' : 'resume_all',
				reason,
				centreId: ctx.centreId
			},
			now
		);
		return n;
	});
}

export async function extendTime(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	minutesIn: unknown,
	reasonIn: string
): Promise<void> {
	const now = ctx.now ?? new Date();
	const minutes = Number(minutesIn);
	if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
		throw new ValidationError('Extra minutes must be a whole number from 1 to 120', [
			{ field: 'minutes', message: 'From 1 to 120' }
		]);
	}
	const reason = requireReason(reasonIn, 'extra time');
	await db.transaction().execute(async (tx) => {
		const a = await settleAttempt(tx, await lockAttempt(tx, attemptId, sittingId), now);
		const verdict = may(factsOf(a), 'extend_time', now);
		if (!verdict.ok) throw new ConflictError(capitalise(verdict.reason), { state: a.state });
		const clock = extendClock(clockOf(a)!, minutes);
		await tx
			.updateTable('attempt')
			.set({
				deadline_at: clock.deadlineAt,
				extension_minutes: a.extension_minutes + minutes,
				updated_at: now
			})
			.where('id', '=', a.id)
			.execute();
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'extra_time', minutes, reason, centreId: ctx.centreId },
			now
		);
	});
}
