/** Changes to a booked sitting that has not started: cancelling it (with a reason), moving it. */
import type { Kysely } from 'kysely';
import { z } from 'zod';

import { judgeBookingTime } from '../../domain/sitting.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { dateTimeSchema, isUuid, parse } from '../validation.js';
import { bookingYears } from './booking.js';
import { applySittingAction, requireSittingAllows } from './sitting-state.js';

/**
 * Cancels a sitting that has not started, with a reason. The sitting keeps its record (and its
 * candidates' attempts, none started); it is closed like an ended sitting, so its keycode signs no
 * one in and its candidates may be booked on another sitting. Candidates already signed in to wait
 * for the start are signed out. Audited with the state before and after.
 */
export async function cancelSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	reasonIn: unknown,
	now = new Date()
) {
	if (!isUuid(sittingId) || !isUuid(centreId)) throw new NotFoundError('No such sitting');
	const reason = String(reasonIn ?? '').trim();
	if (!reason)
		throw new ValidationError('Give the reason for cancelling the sitting', [
			{ field: 'reason', message: 'Give the reason for cancelling' }
		]);
	if (reason.length > 500 || reason.includes('\0'))
		throw new ValidationError('The reason is at most 500 characters', [
			{ field: 'reason', message: 'At most 500 characters' }
		]);
	await db.transaction().execute(async (tx) => {
		// The row lock decides against a start at the same moment: one of the two waits and sees the other.
		const s = await tx
			.selectFrom('sitting')
			.select(['id', 'state'])
			.where('id', '=', sittingId)
			.where('centre_id', '=', centreId)
			.forUpdate()
			.executeTakeFirst();
		if (!s) throw new NotFoundError('No such sitting');
		await applySittingAction(tx, s, 'cancel', { cancelled_at: now, cancel_reason: reason });
		await tx
			.updateTable('auth_session')
			.set({ expires_at: now })
			.where('attempt_id', 'in', (eb) =>
				eb.selectFrom('attempt').select('id').where('sitting_id', '=', sittingId)
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.cancel',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: { before: { state: s.state }, after: { state: 'cancelled' }, reason }
		});
	});
}

/** A change of time or room, as the form sends it. */
export const rescheduleSchema = z.object({
	scheduled_at: dateTimeSchema(
		'Enter the date and time',
		`Enter a real date and time in the years ${bookingYears}`
	),
	room: z.string().trim().min(1, 'Enter the room').max(100)
});

/**
 * Moves a sitting that has not started to another time (never into the past) or room. Audited
 * with the values before and after; nothing is written when nothing changes.
 */
export async function rescheduleSitting(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	input: unknown,
	now = new Date()
) {
	if (!isUuid(sittingId) || !isUuid(centreId)) throw new NotFoundError('No such sitting');
	const r = parse(rescheduleSchema, input);
	const past = judgeBookingTime(r.scheduled_at, now);
	await db.transaction().execute(async (tx) => {
		const s = await tx
			.selectFrom('sitting')
			.select(['id', 'state', 'scheduled_at', 'room'])
			.where('id', '=', sittingId)
			.where('centre_id', '=', centreId)
			.forUpdate()
			.executeTakeFirst();
		if (!s) throw new NotFoundError('No such sitting');
		requireSittingAllows(s, 'reschedule');
		const timeChanged = s.scheduled_at.getTime() !== r.scheduled_at.getTime();
		if (timeChanged && past)
			throw new ValidationError(past, [{ field: 'scheduled_at', message: past }]);
		if (!timeChanged && s.room === r.room) return;
		await tx
			.updateTable('sitting')
			.set({ scheduled_at: r.scheduled_at, room: r.room })
			.where('id', '=', sittingId)
			.execute();
		await writeAudit(tx, actor, {
			action: 'sitting.reschedule',
			centreId,
			subjectType: 'sitting',
			subjectId: sittingId,
			details: {
				before: { scheduled_at: s.scheduled_at.toISOString(), room: s.room },
				after: { scheduled_at: r.scheduled_at.toISOString(), room: r.room }
			}
		});
	});
}
