import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	registerCandidate,
	setCandidateWithdrawn
} from '../../src/lib/server/centres/candidates.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { validateCandidateToken } from '../../src/lib/server/delivery/candidate-session.js';
import { NO_MATCHING_SITTING, signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { ConflictError, ValidationError } from '../../src/lib/server/errors.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { pause } from '../../src/lib/server/invigilation/clock-actions.js';
import { consoleRows } from '../../src/lib/server/invigilation/console.js';
import { endSitting } from '../../src/lib/server/invigilation/end.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { reinstateAttempt, voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { cancelSitting, rescheduleSitting } from '../../src/lib/server/sittings/changes.js';
import {
	addCandidatesToSitting,
	removeCandidateFromSitting,
	setSittingInvigilators
} from '../../src/lib/server/sittings/members.js';
import {
	listUpcomingSittings,
	sittingInvigilators
} from '../../src/lib/server/sittings/queries.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { registerCandidates } from '../helpers/registration-fixture.js';
import { makeSitting, startedSitting } from '../helpers/sitting-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const plus = (d: Date, min: number) => new Date(d.getTime() + min * MIN);

async function auditOf(action: string, subjectId: string) {
	return h.db
		.selectFrom('audit_log')
		.selectAll()
		.where('action', '=', action)
		.where('subject_id', '=', subjectId)
		.orderBy('id')
		.execute();
}
const attemptRow = (id: string) =>
	h.db.selectFrom('attempt').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sittingCount = async () =>
	Number(
		(
			await h.db
				.selectFrom('sitting')
				.select((eb) => eb.fn.countAll().as('n'))
				.executeTakeFirstOrThrow()
		).n
	);

describe('booking refuses the past', () => {
	it('a sitting dated 2020, or yesterday, is a form error on the date; nothing is booked', async () => {
		const f = await makeSitting(h.db, 1);
		const booking = {
			paper_code: '8992-111-T',
			room: 'Room 2',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id]
		};
		const before = await sittingCount();
		for (const when of ['2020-06-01T09:00:00.000Z', new Date(Date.now() - DAY).toISOString()]) {
			const err = await bookSitting(h.db, f.ctx.actor, f.centre.id, {
				...booking,
				scheduled_at: when
			}).catch((e: unknown) => e);
			expect(err, when).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues).toEqual([
				{ field: 'scheduled_at', message: expect.stringMatching(/passed/) }
			]);
		}
		expect(await sittingCount()).toBe(before);
		// Next week is fine.
		await bookSitting(h.db, f.ctx.actor, f.centre.id, {
			...booking,
			scheduled_at: new Date(Date.now() + 7 * DAY).toISOString()
		});
		expect(await sittingCount()).toBe(before + 1);
	});
});

describe('starting on another day than booked', () => {
	async function bookedNextWeek() {
		const f = await makeSitting(h.db, 1);
		const sitting = await bookSitting(h.db, f.ctx.actor, f.centre.id, {
			paper_code: '8992-111-T',
			scheduled_at: new Date(Date.now() + 7 * DAY).toISOString(),
			room: 'Room 3',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id]
		});
		const attempt = await h.db
			.selectFrom('attempt')
			.select('id')
			.where('sitting_id', '=', sitting.id)
			.executeTakeFirstOrThrow();
		await markAttendance(h.db, f.ctx, sitting.id, attempt.id, true);
		return { ...f, sitting, attemptId: attempt.id };
	}

	it('is refused unless confirmed with a reason; nothing starts', async () => {
		const f = await bookedNextWeek();
		const unconfirmed = await startSitting(h.db, f.ctx, f.sitting.id).catch((e: unknown) => e);
		expect(unconfirmed).toBeInstanceOf(ValidationError);
		expect((unconfirmed as ValidationError).message).toMatch(
			/booked for \w+day \d+ \w+ \d{4}, not today/
		);
		await expect(
			startSitting(h.db, f.ctx, f.sitting.id, { confirmed: true, reason: '  ' })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(
			startSitting(h.db, f.ctx, f.sitting.id, { confirmed: false, reason: 'Snow day moved it' })
		).rejects.toBeInstanceOf(ValidationError);
		expect((await attemptRow(f.attemptId)).state).toBe('not_started');
		expect(
			(
				await h.db
					.selectFrom('sitting')
					.select('state')
					.where('id', '=', f.sitting.id)
					.executeTakeFirstOrThrow()
			).state
		).toBe('scheduled');
	});

	it('starts when confirmed, and the reason and both dates are audited', async () => {
		const f = await bookedNextWeek();
		expect(
			await startSitting(h.db, f.ctx, f.sitting.id, {
				confirmed: true,
				reason: 'Moved forward by the awarding body'
			})
		).toBe(1);
		expect((await attemptRow(f.attemptId)).state).toBe('reading');
		const [audit] = await auditOf('sitting.start_other_day', f.sitting.id);
		expect(audit).toMatchObject({ actor_user_id: f.invigilator.id, centre_id: f.centre.id });
		expect(audit!.details).toMatchObject({
			reason: 'Moved forward by the awarding body',
			booked_for: f.sitting.scheduled_at.toISOString()
		});
	});

	it('a sitting started on its own day needs nothing more', async () => {
		const f = await makeSitting(h.db, 1);
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), true);
		expect(await startSitting(h.db, f.ctx, f.sitting.id)).toBe(1);
		expect(await auditOf('sitting.start_other_day', f.sitting.id)).toEqual([]);
	});
});

describe('voiding and reinstating an attempt', () => {
	async function answering() {
		const f = await startedSitting(h.db, 2);
		return { ...f, a1: f.attemptOf(f.candidates[0]!.id), a2: f.attemptOf(f.candidates[1]!.id) };
	}

	it('remembers the state an attempt was voided from, and reinstating returns it there (audited, with before and after)', async () => {
		const f = await answering();
		const at = plus(f.t0, 10); // reading time (5 min) is over: answering
		await voidAttempt(h.db, { ...f.ctx, now: at }, f.sitting.id, f.a1, 'Notes found');
		expect(await attemptRow(f.a1)).toMatchObject({
			state: 'void',
			voided_from: 'in_progress',
			void_reason: 'Notes found'
		});
		const [voidAudit] = await auditOf('sitting.void', f.a1);
		expect(voidAudit!.details).toMatchObject({
			before: 'in_progress',
			after: 'void',
			reason: 'Notes found'
		});

		await expect(
			reinstateAttempt(h.db, { ...f.ctx, now: plus(at, 1) }, f.sitting.id, f.a1, '')
		).rejects.toBeInstanceOf(ValidationError);
		expect(
			await reinstateAttempt(
				h.db,
				{ ...f.ctx, now: plus(at, 1) },
				f.sitting.id,
				f.a1,
				'The notes were the invigilator’s own'
			)
		).toBe('in_progress');
		expect(await attemptRow(f.a1)).toMatchObject({
			state: 'in_progress',
			voided_from: null,
			void_reason: null
		});
		const [audit] = await auditOf('sitting.reinstate', f.a1);
		expect(audit!.details).toMatchObject({
			before: 'void',
			after: 'in_progress',
			voided_from: 'in_progress',
			reason: 'The notes were the invigilator’s own'
		});
		// Only a voided attempt is reinstated.
		await expect(
			reinstateAttempt(h.db, { ...f.ctx, now: plus(at, 2) }, f.sitting.id, f.a1, 'again')
		).rejects.toBeInstanceOf(ConflictError);
	});

	it('an attempt voided while paused comes back paused; a submitted one comes back submitted with its reference', async () => {
		const f = await answering();
		const at = plus(f.t0, 10);
		await pause(h.db, { ...f.ctx, now: at }, f.sitting.id, f.a1, 'Unwell');
		await voidAttempt(h.db, { ...f.ctx, now: plus(at, 1) }, f.sitting.id, f.a1, 'Mistake');
		expect(
			await reinstateAttempt(
				h.db,
				{ ...f.ctx, now: plus(at, 2) },
				f.sitting.id,
				f.a1,
				'Voided the wrong candidate'
			)
		).toBe('paused');
		expect(await attemptRow(f.a1)).toMatchObject({
			state: 'paused',
			pause_kind: 'invigilator',
			paused_from: 'in_progress'
		});

		await endSitting(h.db, { ...f.ctx, now: plus(at, 3) }, f.sitting.id);
		const submitted = await attemptRow(f.a2);
		await voidAttempt(h.db, { ...f.ctx, now: plus(at, 4) }, f.sitting.id, f.a2, 'Copied');
		expect(
			await reinstateAttempt(
				h.db,
				{ ...f.ctx, now: plus(at, 5) },
				f.sitting.id,
				f.a2,
				'Appeal upheld'
			)
		).toBe('submitted');
		expect(await attemptRow(f.a2)).toMatchObject({
			state: 'submitted',
			reference: submitted.reference,
			submit_reason: 'sitting_ended'
		});
	});

	it('an attempt voided while answering, reinstated after the sitting ended, is submitted as at the end', async () => {
		const f = await answering();
		const at = plus(f.t0, 10);
		await voidAttempt(h.db, { ...f.ctx, now: at }, f.sitting.id, f.a1, 'Phone');
		await endSitting(h.db, { ...f.ctx, now: plus(at, 5) }, f.sitting.id);
		expect(
			await reinstateAttempt(
				h.db,
				{ ...f.ctx, now: plus(at, 30) },
				f.sitting.id,
				f.a1,
				'Phone was switched off'
			)
		).toBe('submitted');
		const a = await attemptRow(f.a1);
		expect(a).toMatchObject({
			state: 'submitted',
			submit_reason: 'sitting_ended',
			submitted_at: plus(at, 5)
		});
		expect(a.reference).toMatch(/^R-/);
	});
});

describe("the invigilator's console", () => {
	it('shows when each candidate signed in, before the start, and their reader and scribe', async () => {
		const f = await makeSitting(h.db, 2);
		await h.db
			.updateTable('candidate')
			.set({ reader: true, scribe: true })
			.where('id', '=', f.candidates[1]!.id)
			.execute();
		const before = new Date();
		await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.8.0.1'
		});
		const rows = await consoleRows(h.db, f.sitting.id);
		expect(rows[0]!.state).toBe('not_started');
		expect(new Date(rows[0]!.signedInAt!).getTime()).toBeGreaterThanOrEqual(
			before.getTime() - 1000
		);
		expect(rows[1]).toMatchObject({ signedInAt: null, reader: true, scribe: true });
		expect(rows[0]).toMatchObject({ reader: false, scribe: false });
	});
});

describe('cancelling a sitting', () => {
	it('cancels a sitting that has not started, with a reason: the record stays, the keycode signs no one in, audited', async () => {
		const f = await makeSitting(h.db, 2);
		const waiting = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.7.0.1'
		});
		await expect(
			cancelSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, '   ')
		).rejects.toBeInstanceOf(ValidationError);
		await cancelSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, 'Room flooded');

		const s = await h.db
			.selectFrom('sitting')
			.selectAll()
			.where('id', '=', f.sitting.id)
			.executeTakeFirstOrThrow();
		expect(s).toMatchObject({ state: 'cancelled', cancel_reason: 'Room flooded' });
		expect(
			await h.db
				.selectFrom('attempt')
				.select('state')
				.where('sitting_id', '=', f.sitting.id)
				.execute()
		).toEqual([{ state: 'not_started' }, { state: 'not_started' }]);
		const [audit] = await auditOf('sitting.cancel', f.sitting.id);
		expect(audit!.details).toMatchObject({
			before: { state: 'scheduled' },
			after: { state: 'cancelled' },
			reason: 'Room flooded'
		});

		// Its keycode signs no one in; the candidate who was waiting is signed out.
		await expect(
			signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0002',
				keycode: f.sitting.keycode,
				ip: '10.7.0.2'
			})
		).rejects.toThrow(NO_MATCHING_SITTING);
		expect(await validateCandidateToken(h.db, waiting.token, plus(new Date(), 1))).toBeNull();
		// It cannot start, nor be cancelled again; it is no longer upcoming.
		await expect(startSitting(h.db, f.ctx, f.sitting.id)).rejects.toBeInstanceOf(ConflictError);
		await expect(
			cancelSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, 'again')
		).rejects.toBeInstanceOf(ConflictError);
		expect((await listUpcomingSittings(h.db, f.centre.id)).map((x) => x.id)).not.toContain(
			f.sitting.id
		);

		// Its keycode may be given to another sitting at the centre (the open-keycode index ignores it).
		await h.db
			.insertInto('sitting')
			.values({
				centre_id: f.centre.id,
				paper_version_id: s.paper_version_id,
				scheduled_at: new Date(),
				room: 'Hall',
				keycode: s.keycode
			})
			.execute();
		// Its candidates can be booked on another sitting.
		await bookSitting(h.db, f.ctx.actor, f.centre.id, {
			paper_code: '8992-111-T',
			scheduled_at: new Date(Date.now() + DAY).toISOString(),
			room: 'Room 4',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: f.candidates.map((c) => c.id)
		});
	});

	it('refuses to cancel a sitting that has started', async () => {
		const f = await makeSitting(h.db, 1);
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), true);
		await startSitting(h.db, f.ctx, f.sitting.id);
		const err = await cancelSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, 'Too late').catch(
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).message).toBe(
			'Only a sitting that has not started can be cancelled'
		);
	});

	it("the centre's upcoming sittings are those still to run, soonest first", async () => {
		const f = await makeSitting(h.db, 1);
		const later = await bookSitting(h.db, f.ctx.actor, f.centre.id, {
			paper_code: '8992-111-T',
			scheduled_at: new Date(Date.now() + 3 * DAY).toISOString(),
			room: 'Room 5',
			invigilator_ids: [f.invigilator.id],
			candidate_ids: [f.candidates[0]!.id]
		});
		expect((await listUpcomingSittings(h.db, f.centre.id)).map((x) => x.id)).toEqual([
			f.sitting.id,
			later.id
		]);
	});
});

describe('moving a sitting before the start', () => {
	it('changes the time and room (audited with before and after), never into the past, never after the start', async () => {
		const f = await makeSitting(h.db, 1);
		const nextWeek = new Date(Date.now() + 7 * DAY);
		nextWeek.setUTCSeconds(0, 0);
		const past = await rescheduleSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			scheduled_at: '2020-01-06T09:00:00.000Z',
			room: 'Hall'
		}).catch((e: unknown) => e);
		expect(past).toBeInstanceOf(ValidationError);
		expect((past as ValidationError).issues[0]).toMatchObject({ field: 'scheduled_at' });
		expect(await auditOf('sitting.reschedule', f.sitting.id)).toEqual([]);

		await rescheduleSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			scheduled_at: nextWeek.toISOString(),
			room: 'Hall'
		});
		const s = await h.db
			.selectFrom('sitting')
			.selectAll()
			.where('id', '=', f.sitting.id)
			.executeTakeFirstOrThrow();
		expect(s).toMatchObject({ scheduled_at: nextWeek, room: 'Hall' });
		const [audit] = await auditOf('sitting.reschedule', f.sitting.id);
		expect(audit!.details).toEqual({
			before: { scheduled_at: f.sitting.scheduled_at.toISOString(), room: 'Room 1' },
			after: { scheduled_at: nextWeek.toISOString(), room: 'Hall' }
		});
		expect((await sittingInvigilators(h.db, f.sitting.id)).map((i) => i.id)).toEqual([
			f.invigilator.id
		]);

		// Started (on another day, confirmed): it can no longer be moved.
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), true);
		await startSitting(h.db, f.ctx, f.sitting.id, { confirmed: true, reason: 'Test' });
		await expect(
			rescheduleSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
				scheduled_at: nextWeek.toISOString(),
				room: 'Room 7'
			})
		).rejects.toBeInstanceOf(ConflictError);
	});
});

describe('changing who is in a sitting before it starts', () => {
	const attemptsOf = async (sittingId: string) =>
		(
			await h.db
				.selectFrom('attempt as a')
				.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
				.select(['c.candidate_number', 'a.extra_time_percent'])
				.where('a.sitting_id', '=', sittingId)
				.orderBy('c.candidate_number')
				.execute()
		).map((r) => `${r.candidate_number}:${r.extra_time_percent}`);

	it('adds candidates of the register (with their arrangements) and removes one not started, each audited', async () => {
		const f = await makeSitting(h.db, 1);
		const late = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0007',
			first_name: 'Late',
			last_name: 'Entry',
			extra_time_percent: '25'
		});
		await registerCandidates(h.db, f.centre.id, [late.id]);
		expect(
			await addCandidatesToSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
				candidate_ids: [late.id]
			})
		).toBe(1);
		expect(await attemptsOf(f.sitting.id)).toEqual(['0001:0', '0007:25']);
		expect((await auditOf('sitting.add_candidates', f.sitting.id)).map((a) => a.details)).toEqual([
			{ candidates: ['0007'] }
		]);

		const first = f.attemptOf(f.candidates[0]!.id);
		expect(
			await removeCandidateFromSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, first)
		).toBe('0001');
		expect(await attemptsOf(f.sitting.id)).toEqual(['0007:25']);
		expect((await auditOf('sitting.remove_candidate', f.sitting.id)).map((a) => a.details)).toEqual(
			[{ candidate_number: '0001' }]
		);
		// Removed, they can be added again.
		await addCandidatesToSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			candidate_ids: [f.candidates[0]!.id]
		});
		expect(await attemptsOf(f.sitting.id)).toEqual(['0001:0', '0007:25']);
	});

	it("refuses a withdrawn candidate, one already in it, another centre's, or a malformed id; nothing changes", async () => {
		const f = await makeSitting(h.db, 1);
		const other = await makeSitting(h.db, 1);
		const gone = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0009',
			first_name: 'Gone',
			last_name: 'Away'
		});
		await setCandidateWithdrawn(h.db, f.ctx.actor, f.centre.id, gone.id, true);
		for (const ids of [[gone.id], [f.candidates[0]!.id], [other.candidates[0]!.id], ['----'], []]) {
			const err = await addCandidatesToSitting(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
				candidate_ids: ids
			}).catch((e: unknown) => e);
			expect(err, JSON.stringify(ids)).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues[0]).toMatchObject({
				field: expect.stringMatching(/^candidate_ids/)
			});
		}
		expect(await attemptsOf(f.sitting.id)).toEqual(['0001:0']);
		expect(await auditOf('sitting.add_candidates', f.sitting.id)).toEqual([]);
		// Another centre's sitting is not found from this centre.
		await expect(
			removeCandidateFromSitting(
				h.db,
				f.ctx.actor,
				f.centre.id,
				other.sitting.id,
				other.attemptOf(other.candidates[0]!.id)
			)
		).rejects.toThrow('No such sitting');
	});

	it('refuses both once the sitting has started, been cancelled or ended (decided under the sitting lock)', async () => {
		const started = await makeSitting(h.db, 2);
		const extra = await registerCandidate(h.db, started.ctx.actor, started.centre.id, {
			candidate_number: '0008',
			first_name: 'Too',
			last_name: 'Late'
		});
		await markAttendance(
			h.db,
			started.ctx,
			started.sitting.id,
			started.attemptOf(started.candidates[0]!.id),
			true
		);
		await startSitting(h.db, started.ctx, started.sitting.id);
		const add = () =>
			addCandidatesToSitting(h.db, started.ctx.actor, started.centre.id, started.sitting.id, {
				candidate_ids: [extra.id]
			});
		// Candidate 0002 was not marked present: their attempt is still not started, but the sitting is.
		const remove = () =>
			removeCandidateFromSitting(
				h.db,
				started.ctx.actor,
				started.centre.id,
				started.sitting.id,
				started.attemptOf(started.candidates[1]!.id)
			);
		await expect(add()).rejects.toThrow('only before the sitting starts');
		await expect(remove()).rejects.toThrow('only before the sitting starts');
		await endSitting(h.db, started.ctx, started.sitting.id);
		await expect(add()).rejects.toBeInstanceOf(ConflictError);
		await expect(remove()).rejects.toBeInstanceOf(ConflictError);

		const cancelled = await makeSitting(h.db, 1);
		await cancelSitting(
			h.db,
			cancelled.ctx.actor,
			cancelled.centre.id,
			cancelled.sitting.id,
			'Room flooded'
		);
		await expect(
			removeCandidateFromSitting(
				h.db,
				cancelled.ctx.actor,
				cancelled.centre.id,
				cancelled.sitting.id,
				cancelled.attemptOf(cancelled.candidates[0]!.id)
			)
		).rejects.toBeInstanceOf(ConflictError);
		expect(await attemptsOf(started.sitting.id)).toHaveLength(2);
		expect(await attemptsOf(cancelled.sitting.id)).toHaveLength(1);

		// A start and a removal at the same moment: one waits for the other, never both.
		const race = await makeSitting(h.db, 2);
		await markAttendance(
			h.db,
			race.ctx,
			race.sitting.id,
			race.attemptOf(race.candidates[0]!.id),
			true
		);
		const results = await Promise.allSettled([
			startSitting(h.db, race.ctx, race.sitting.id),
			removeCandidateFromSitting(
				h.db,
				race.ctx.actor,
				race.centre.id,
				race.sitting.id,
				race.attemptOf(race.candidates[1]!.id)
			)
		]);
		const state = (
			await h.db
				.selectFrom('sitting')
				.select('state')
				.where('id', '=', race.sitting.id)
				.executeTakeFirstOrThrow()
		).state;
		const left = await attemptsOf(race.sitting.id);
		expect(state).toBe('running');
		expect(results[1].status === 'fulfilled' ? left.length === 1 : left.length === 2).toBe(true);
	});

	it("a candidate already in the sitting's log (signed in to wait) is not removed: the log is kept", async () => {
		const f = await makeSitting(h.db, 1);
		await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.8.0.1'
		});
		await expect(
			removeCandidateFromSitting(
				h.db,
				f.ctx.actor,
				f.centre.id,
				f.sitting.id,
				f.attemptOf(f.candidates[0]!.id)
			)
		).rejects.toThrow("already in the sitting's log");
		expect(await attemptsOf(f.sitting.id)).toEqual(['0001:0']);
	});
});

describe("changing a sitting's invigilators", () => {
	const names = async (sittingId: string) =>
		(await sittingInvigilators(h.db, sittingId)).map((i) => i.id).sort();

	it("adds and removes the centre's invigilators until the sitting ends, at least one staying; audited before and after", async () => {
		const f = await makeSitting(h.db, 1);
		const second = await makeStaff(h.db, 'invigilator', f.centre.id);
		await setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			invigilator_ids: [f.invigilator.id, second.id]
		});
		expect(await names(f.sitting.id)).toEqual([f.invigilator.id, second.id].sort());
		await setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			invigilator_ids: [second.id]
		});
		expect(await names(f.sitting.id)).toEqual([second.id]);
		expect(
			(await auditOf('sitting.change_invigilators', f.sitting.id)).map((a) => a.details)
		).toEqual([
			{
				before: { invigilators: [f.invigilator.email] },
				after: { invigilators: [f.invigilator.email, second.email].sort() }
			},
			{
				before: { invigilators: [f.invigilator.email, second.email].sort() },
				after: { invigilators: [second.email] }
			}
		]);
		// The same list again writes nothing.
		await setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			invigilator_ids: [second.id]
		});
		expect(await auditOf('sitting.change_invigilators', f.sitting.id)).toHaveLength(2);

		// Running: still allowed. Ended: refused.
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), true);
		await startSitting(h.db, f.ctx, f.sitting.id);
		await setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
			invigilator_ids: [f.invigilator.id]
		});
		await endSitting(h.db, f.ctx, f.sitting.id);
		await expect(
			setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
				invigilator_ids: [second.id]
			})
		).rejects.toBeInstanceOf(ConflictError);
		expect(await names(f.sitting.id)).toEqual([f.invigilator.id]);
	});

	it("refuses none, another centre's invigilator or a staff member who is not an invigilator; nothing changes", async () => {
		const f = await makeSitting(h.db, 1);
		const other = await makeSitting(h.db, 1);
		const admin = await makeStaff(h.db, 'centre_admin', f.centre.id);
		for (const ids of [[], [other.invigilator.id], [f.invigilator.id, admin.id]]) {
			const err = await setSittingInvigilators(h.db, f.ctx.actor, f.centre.id, f.sitting.id, {
				invigilator_ids: ids
			}).catch((e: unknown) => e);
			expect(err, JSON.stringify(ids)).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues[0]).toMatchObject({ field: 'invigilator_ids' });
		}
		expect(await names(f.sitting.id)).toEqual([f.invigilator.id]);
		expect(await auditOf('sitting.change_invigilators', f.sitting.id)).toEqual([]);
	});
});
