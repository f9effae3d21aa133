/**
 * Starting the sitting (reading time begins for everyone present) and a late arrival's own start.
 * Every state change goes through `applyTransition`; every "may this happen now?" through the domain.
 */
import type { Kysely, Transaction } from 'kysely';

import { judgeLateEntry } from '../../domain/late-entry.js';
import { judgeStartDay } from '../../domain/sitting.js';
import { startClock } from '../../domain/timing.js';
import { count } from '../../domain/words.js';
import { applyTransition, lockAttempt } from '../attempts/attempt-store.js';
import { recordEvent } from '../attempts/events.js';
import {
	changedMeanwhile,
	requireReason,
	type ActionContext
} from '../attempts/official-action.js';
import type { AttemptRow, Database } from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { applySittingAction, requireSittingAllows } from '../sittings/sitting-state.js';
import { sittingFor } from './sitting-lock.js';

/** Starts one attempt's clock, with the candidate's access arrangements as they are now. */
async function startOne(
	tx: Transaction<Database>,
	a: AttemptRow,
	sitting: { reading_minutes: number; duration_minutes: number },
	now: Date
): Promise<void> {
	const cand = await tx
		.selectFrom('candidate')
		.select(['extra_time_percent', 'rest_breaks'])
		.where('id', '=', a.candidate_id)
		.executeTakeFirstOrThrow();
	const clock = startClock(
		now,
		sitting.reading_minutes,
		sitting.duration_minutes,
		cand.extra_time_percent
	);
	const started = await applyTransition(tx, a, 'start', now, {
		present: true,
		started_at: now,
		reading_ends_at: clock.readingEndsAt,
		deadline_at: clock.deadlineAt,
		extra_time_percent: cand.extra_time_percent,
		rest_breaks: cand.rest_breaks
	});
	if (!started) changedMeanwhile(a);
}

/** Starting on another day than booked: the person starting confirms it and says why. */
export interface OtherDayStart {
	confirmed: boolean;
	reason: string;
}

/**
 * Starts the sitting: reading time begins for every candidate marked present. A sitting started on
 * another day than it was booked for (in the centre's time zone) needs `otherDay` confirmed with a
 * reason, which is audited.
 */
export async function startSitting(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	otherDay?: OtherDayStart
): Promise<number> {
	const now = ctx.now ?? new Date();
	return db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		requireSittingAllows(s, 'start');
		const day = judgeStartDay(now, s.scheduled_at);
		let otherDayReason: string | null = null;
		if (s.state === 'scheduled' && !day.sameDay) {
			const message = `This sitting is booked for ${day.bookedDay}, not today (${day.today})`;
			if (!otherDay?.confirmed) {
				throw new ValidationError(
					`${message}: to start it today, tick the box to confirm and give the reason`,
					[{ field: 'other_day_confirm', message: 'Confirm starting on another day' }]
				);
			}
			otherDayReason = requireReason(otherDay.reason, 'starting on another day');
			await recordEvent(
				tx,
				ctx.actor,
				{
					sittingId,
					kind: 'start_other_day',
					reason: otherDayReason,
					centreId: ctx.centreId,
					details: { booked_for: s.scheduled_at.toISOString(), started_at: now.toISOString() }
				},
				now
			);
		}
		const waiting = await tx
			.selectFrom('attempt')
			.selectAll()
			.where('sitting_id', '=', sittingId)
			.where('state', '=', 'not_started')
			.where('present', '=', true)
			.forUpdate()
			.execute();
		if (s.state === 'scheduled' && waiting.length === 0)
			throw new ConflictError('Mark at least one candidate present before starting', {
				state: s.state
			});
		for (const a of waiting) await startOne(tx, a, s, now);
		await applySittingAction(tx, s, 'start', { started_at: now });
		await recordEvent(
			tx,
			ctx.actor,
			{
				sittingId,
				kind: 'start',
				reason: `${count(waiting.length, 'candidate')} started`,
				centreId: ctx.centreId
			},
			now
		);
		return waiting.length;
	});
}

/**
 * Starts a late arrival's own clock (their full time) in a running sitting. Past the sitting's
 * late-entry limit the invigilator must give `reasonIn`; the log says how late, and why.
 */
export async function startAttempt(
	db: Kysely<Database>,
	ctx: ActionContext,
	sittingId: string,
	attemptId: string,
	reasonIn = ''
): Promise<void> {
	const now = ctx.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const s = await sittingFor(tx, sittingId);
		requireSittingAllows(s, 'start_late_arrival');
		const a = await lockAttempt(tx, attemptId, sittingId);
		const entry = judgeLateEntry(s.started_at ?? now, now, s.late_entry_minutes, reasonIn);
		if (!entry.ok)
			throw new ValidationError(entry.reason, [{ field: 'reason', message: entry.reason }]);
		await startOne(tx, a, s, now);
		await recordEvent(
			tx,
			ctx.actor,
			{ sittingId, attemptId, kind: 'start_one', reason: entry.logReason, centreId: ctx.centreId },
			now
		);
	});
}
