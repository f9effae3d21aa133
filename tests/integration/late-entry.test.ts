import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ValidationError } from '../../src/lib/server/errors.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startAttempt, startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

/*
 * Late entry (issue 21, item 5): up to the sitting's limit (30 minutes by default, set at booking)
 * a late arrival starts with their full time and the log says how late; past it the invigilator
 * must give a reason, and without one nothing changes.
 */
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

async function runningWithLateArrivals() {
	const f = await makeSitting(h.db, 3);
	const t0 = new Date();
	const [early, late, later] = f.candidates.map((c) => f.attemptOf(c.id));
	await markAttendance(h.db, { ...f.ctx, now: t0 }, f.sitting.id, early!, true);
	await startSitting(h.db, { ...f.ctx, now: t0 }, f.sitting.id);
	for (const a of [late!, later!])
		await markAttendance(h.db, { ...f.ctx, now: t0 }, f.sitting.id, a, true);
	const at = (m: number) => ({ ...f.ctx, now: new Date(t0.getTime() + m * 60_000) });
	return { f, late: late!, later: later!, at };
}

const stateOf = async (attemptId: string) =>
	(
		await h.db
			.selectFrom('attempt')
			.select(['state', 'deadline_at'])
			.where('id', '=', attemptId)
			.executeTakeFirstOrThrow()
	).state;

const startLog = (sittingId: string) =>
	h.db
		.selectFrom('sitting_event')
		.select(['attempt_id', 'reason'])
		.where('sitting_id', '=', sittingId)
		.where('kind', '=', 'start_one')
		.orderBy('id')
		.execute();

describe('late entry', () => {
	it('within the limit a late arrival starts without a reason; past it a reason is needed, and kept', async () => {
		const { f, late, later, at } = await runningWithLateArrivals();
		await startAttempt(h.db, at(20), f.sitting.id, late);
		expect(await stateOf(late)).toBe('reading');

		const refused = await startAttempt(h.db, at(41), f.sitting.id, later).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ValidationError);
		expect((refused as ValidationError).message).toMatch(
			/41 minutes after the sitting began, past its 30-minute limit for late entry: give the reason/
		);
		expect(await stateOf(later)).toBe('not_started');

		await startAttempt(h.db, at(42), f.sitting.id, later, 'Train cancelled; seen by the centre');
		expect(await stateOf(later)).toBe('reading');
		expect(await startLog(f.sitting.id)).toEqual([
			{ attempt_id: late, reason: '20 min after the start, within the 30-minute limit' },
			{
				attempt_id: later,
				reason:
					'Admitted 42 min after the start, past the 30-minute limit: Train cancelled; seen by the centre'
			}
		]);
	});

	it('the limit is set per sitting at booking: 30 minutes when left blank, a clear message when not a number', async () => {
		const f = await makeSitting(h.db, 1);
		const booking = (late_entry_minutes: string) => ({
			paper_code: '8992-111-T',
			scheduled_at: new Date().toISOString(),
			room: 'Room 2',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id],
			late_entry_minutes
		});
		const limitOf = async (id: string) =>
			(
				await h.db
					.selectFrom('sitting')
					.select('late_entry_minutes')
					.where('id', '=', id)
					.executeTakeFirstOrThrow()
			).late_entry_minutes;
		expect(await limitOf(f.sitting.id)).toBe(30);
		const ten = await bookSitting(h.db, f.ctx.actor, f.centre.id, booking('10'));
		expect(await limitOf(ten.id)).toBe(10);
		const blank = await bookSitting(h.db, f.ctx.actor, f.centre.id, booking(''));
		expect(await limitOf(blank.id)).toBe(30);
		for (const bad of ['abc', '-5', '2.5', '999']) {
			const err = await bookSitting(h.db, f.ctx.actor, f.centre.id, booking(bad)).catch(
				(e: unknown) => e
			);
			expect(err, bad).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues).toEqual([
				{
					field: 'late_entry_minutes',
					message: 'Enter the late-entry limit as whole minutes from 0 to 240'
				}
			]);
		}
	});
});
