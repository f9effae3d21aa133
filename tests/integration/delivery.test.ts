import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KEYCODE_ALPHABET } from '../../src/lib/domain/keycode.js';
import { sweepDeadlines } from '../../src/lib/server/attempts/clock.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import {
	MAX_ANSWER_CHARS,
	saveAnswer,
	saveResponse
} from '../../src/lib/server/delivery/autosave.js';
import {
	checkCandidateToken,
	validateCandidateToken
} from '../../src/lib/server/delivery/candidate-session.js';
import { NO_MATCHING_SITTING, signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { getCandidateClock, submitAttempt } from '../../src/lib/server/delivery/submission.js';
import {
	ConflictError,
	GoneError,
	NotFoundError,
	PayloadTooLargeError,
	TooManyRequestsError,
	UnauthorizedError,
	ValidationError
} from '../../src/lib/server/errors.js';
import { apiErrorFrom, refuseUnlessOwnAttempt } from '../../src/lib/server/http/responses.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { extendTime, pause, resume } from '../../src/lib/server/invigilation/clock-actions.js';
import { consoleRows, quarantinedSaves } from '../../src/lib/server/invigilation/console.js';
import { endSitting } from '../../src/lib/server/invigilation/end.js';
import { allowMove } from '../../src/lib/server/invigilation/incidents.js';
import { reinstateAttempt, voidAttempt } from '../../src/lib/server/invigilation/voiding.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeSitting, startedSitting, type Arrangements } from '../helpers/sitting-fixture.js';

let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const MIN = 60_000;

/** A candidate signing in again and again: log noise between the incidents. */
async function recordEventForTest(sittingId: string, attemptId: string, at: Date) {
	const { recordEvent } = await import('../../src/lib/server/attempts/events.js');
	await recordEvent(
		h.db,
		{ userId: null, label: 'candidate 0001' },
		{ sittingId, attemptId, kind: 'candidate_sign_in' },
		at
	);
}
const plus = (d: Date, min: number) => new Date(d.getTime() + min * MIN);

/** A running sitting with every candidate answering (reading over) at `answering` (t0 + 6 min). */
const running = (n = 2, arrangements: Arrangements[] = []) => startedSitting(h.db, n, arrangements);

describe('booking and candidate sign-in', () => {
	it('books a sitting with a keycode free of look-alikes, one attempt per candidate', async () => {
		const f = await makeSitting(h.db, 3);
		expect(f.sitting.keycode).toMatch(new RegExp(`^[${KEYCODE_ALPHABET}]{6}$`));
		expect(
			(await consoleRows(h.db, f.sitting.id)).map((r) => [r.candidateNumber, r.state])
		).toEqual([
			['0001', 'not_started'],
			['0002', 'not_started'],
			['0003', 'not_started']
		]);
	});
	it('signs in with a lower-case keycode; a wrong keycode gets the one message that reveals nothing', async () => {
		const f = await makeSitting(h.db, 1);
		const centreNumber = f.centre.number;
		await expect(
			signInCandidate(h.db, {
				centreNumber,
				candidateNumber: '0001',
				keycode: 'ABCDEF' === f.sitting.keycode ? 'ABCDEG' : 'ABCDEF',
				ip: '10.9.0.1'
			})
		).rejects.toThrow(NO_MATCHING_SITTING);
		const r = await signInCandidate(h.db, {
			centreNumber,
			candidateNumber: '0001',
			keycode: f.sitting.keycode.toLowerCase(),
			ip: '10.9.0.1'
		});
		expect(r.attemptId).toBe(f.attemptOf(f.candidates[0]!.id));
		expect(await validateCandidateToken(h.db, r.token)).toMatchObject({ attemptId: r.attemptId });
	});
	it('locks a candidate after ten wrong keycodes (even the right one then waits) but not their room', async () => {
		const f = await makeSitting(h.db, 2);
		const centreNumber = f.centre.number;
		const wrong = f.sitting.keycode === 'ABCDEF' ? 'ABCDEG' : 'ABCDEF';
		const room = '10.9.0.9';
		for (let i = 0; i < 10; i++) {
			await expect(
				signInCandidate(h.db, { centreNumber, candidateNumber: '0001', keycode: wrong, ip: room })
			).rejects.toThrow(NO_MATCHING_SITTING);
		}
		const locked = await signInCandidate(h.db, {
			centreNumber,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: room
		}).catch((e: unknown) => e);
		expect(locked).toBeInstanceOf(TooManyRequestsError);
		expect((locked as TooManyRequestsError).message).toMatch(/Too many/i);
		// The classmate at the same address (one exam room behind one router) still gets in.
		const other = await signInCandidate(h.db, {
			centreNumber,
			candidateNumber: '0002',
			keycode: f.sitting.keycode,
			ip: room
		});
		expect(other.attemptId).toBe(f.attemptOf(f.candidates[1]!.id));
	});
	it('refuses a candidate marked absent', async () => {
		const f = await makeSitting(h.db, 1);
		await markAttendance(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[0]!.id), false);
		await expect(
			signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0001',
				keycode: f.sitting.keycode,
				ip: '10.9.0.2'
			})
		).rejects.toThrow('marked absent');
	});
});

describe('autosave', () => {
	it('keeps the highest sequence: replays and out-of-order saves change nothing and still succeed', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const r1 = await saveResponse(h.db, id, '1', { seq: 1, text: 'a' }, f.answering);
		const r3 = await saveResponse(h.db, id, '1', { seq: 3, text: 'abc' }, plus(f.answering, 0.1));
		const r2 = await saveResponse(h.db, id, '1', { seq: 2, text: 'ab' }, plus(f.answering, 0.2));
		const again = await saveResponse(
			h.db,
			id,
			'1',
			{ seq: 3, text: 'abc' },
			plus(f.answering, 0.3)
		);
		expect([r1.applied, r3.applied, r2.applied, again.applied]).toEqual([true, true, false, false]);
		expect(r2.seq).toBe(3);
		const stored = await h.db
			.selectFrom('response')
			.selectAll()
			.where('attempt_id', '=', id)
			.execute();
		expect(stored.map((s) => [s.item_key, s.seq, s.text])).toEqual([['1', 3, 'abc']]);
		const revisions = await h.db
			.selectFrom('response_revision')
			.select(['seq', 'text'])
			.where('attempt_id', '=', id)
			.orderBy('id')
			.execute();
		expect(revisions).toEqual([
			{ seq: 1, text: 'a' },
			{ seq: 3, text: 'abc' }
		]);
	});
	it('refuses saves during reading time (409 with the state) and unknown questions (404)', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const err = await saveResponse(h.db, id, '1', { seq: 1, text: 'x' }, plus(f.t0, 1)).catch(
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).details).toEqual({ state: 'reading' });
		await expect(
			saveResponse(h.db, id, '9', { seq: 1, text: 'x' }, f.answering)
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(saveResponse(h.db, id, '3', { seq: 1, text: 'x' }, f.answering)).rejects.toThrow(
			'Question 3 is not in this paper'
		);
		await expect(
			saveResponse(h.db, id, '3.a', { seq: 1, text: 'x' }, f.answering)
		).resolves.toMatchObject({ applied: true });
	});
	it('through the candidate session (as the exam API calls it): the loaded attempt saves, and paper and state are still checked', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const { token } = await signInCandidate(
			h.db,
			{
				centreNumber: f.centre.number,
				candidateNumber: '0001',
				keycode: f.sitting.keycode,
				ip: '10.9.1.1'
			},
			f.answering
		);
		const session = (await validateCandidateToken(h.db, token, f.answering))!;
		expect(session.attempt.row.id).toBe(id);
		expect(session.attempt.paperVersionId).toBe(f.sitting.paper_version_id);
		await expect(
			saveResponse(h.db, session.attempt, '3.b', { seq: 1, text: 'from the API' }, f.answering)
		).resolves.toMatchObject({ applied: true });
		await expect(
			saveResponse(h.db, session.attempt, '9', { seq: 1, text: 'x' }, f.answering)
		).rejects.toThrow('Question 9 is not in this paper');
		expect(await getCandidateClock(h.db, session.attempt, f.answering)).toMatchObject({
			state: 'in_progress'
		});
		// Submitted after this session was first read: the next request reads the new state, refuses
		// the save (409 with the state) and keeps the text in quarantine, not in the script.
		await submitAttempt(h.db, id, f.answering);
		const later = (await validateCandidateToken(h.db, token, plus(f.answering, 0.1)))!;
		const err = await saveResponse(
			h.db,
			later.attempt,
			'3.b',
			{ seq: 2, text: 'after submitting' },
			plus(f.answering, 0.1)
		).catch((e: unknown) => e);
		expect(err, String(err)).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).details).toEqual({ state: 'submitted' });
		const stored = await h.db
			.selectFrom('response')
			.select(['item_key', 'text'])
			.where('attempt_id', '=', id)
			.execute();
		expect(stored).toEqual([{ item_key: '3.b', text: 'from the API' }]);
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual([
			'after submitting'
		]);
	});
	it('reading time ends by the clock: requests see answering without writing the row; the sweep stores it', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const stored = async () =>
			(
				await h.db
					.selectFrom('attempt')
					.select('state')
					.where('id', '=', id)
					.executeTakeFirstOrThrow()
			).state;
		expect((await getCandidateClock(h.db, id, f.answering)).state).toBe('in_progress');
		await expect(
			saveResponse(h.db, id, '1', { seq: 1, text: 'first words' }, f.answering)
		).resolves.toMatchObject({ applied: true });
		expect(await stored()).toBe('reading');
		expect(await sweepDeadlines(h.db, f.answering)).toBe(0);
		expect(await stored()).toBe('in_progress');
	});
	it('refuses an answer over the size limit and stores nothing', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await expect(
			saveResponse(h.db, id, '1', { seq: 1, text: 'x'.repeat(MAX_ANSWER_CHARS + 1) }, f.answering)
		).rejects.toBeInstanceOf(PayloadTooLargeError);
		expect(
			await h.db.selectFrom('response').select('seq').where('attempt_id', '=', id).execute()
		).toEqual([]);
	});
	it('accepts saves to the last second and within the grace after the deadline; later ones are quarantined (410)', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const deadline = plus(f.t0, 65);
		await saveResponse(
			h.db,
			id,
			'1',
			{ seq: 1, text: 'last second' },
			new Date(deadline.getTime() - 1000)
		);
		await saveResponse(
			h.db,
			id,
			'2',
			{ seq: 1, text: 'in flight' },
			new Date(deadline.getTime() + 30_000)
		);
		const late = await saveResponse(
			h.db,
			id,
			'1',
			{ seq: 2, text: 'too late' },
			new Date(deadline.getTime() + 61_000)
		).catch((e: unknown) => e);
		expect(late).toBeInstanceOf(GoneError);
		const stored = await h.db
			.selectFrom('response')
			.select(['item_key', 'text'])
			.where('attempt_id', '=', id)
			.orderBy('item_key')
			.execute();
		expect(stored).toEqual([
			{ item_key: '1', text: 'last second' },
			{ item_key: '2', text: 'in flight' }
		]);
		const q = await quarantinedSaves(h.db, f.sitting.id);
		expect(q.map((x) => [x.item_key, x.seq, x.text])).toEqual([['1', 2, 'too late']]);
		const clock = await getCandidateClock(h.db, id, new Date(deadline.getTime() + 61_000));
		expect(clock.state).toBe('submitted');
		expect(clock.submittedAt).toBe(deadline.toISOString());
	});
});

describe('autosave through the exam API (saveAnswer: the session checked in the save itself)', () => {
	/** A running sitting of `n` candidates, each signed in at `answering`, with their cookie tokens. */
	async function signedIn(n = 1) {
		const f = await running(n);
		const tokens: string[] = [];
		for (const [i, c] of f.candidates.entries()) {
			const r = await signInCandidate(
				h.db,
				{
					centreNumber: f.centre.number,
					candidateNumber: String(i + 1).padStart(4, '0'),
					keycode: f.sitting.keycode,
					ip: '10.9.2.1'
				},
				f.answering
			);
			expect(r.attemptId).toBe(f.attemptOf(c.id));
			tokens.push(r.token);
		}
		return { ...f, tokens, ids: f.candidates.map((c) => f.attemptOf(c.id)) };
	}
	const storedOf = (id: string) =>
		h.db
			.selectFrom('response')
			.select(['item_key', 'seq', 'text'])
			.where('attempt_id', '=', id)
			.orderBy('item_key')
			.execute();

	it('saves, logs the revision and notes the time; a stale or replayed save changes nothing and answers the stored seq', async () => {
		const f = await signedIn();
		const [token] = f.tokens;
		const [id] = f.ids;
		const save = (seq: number, text: string, at: Date) =>
			saveAnswer(h.db, { token: token!, attemptId: id!, itemKey: '2', body: { seq, text } }, at);
		await expect(save(2, 'two', f.answering)).resolves.toMatchObject({
			applied: true,
			seq: 2,
			savedAt: f.answering.toISOString()
		});
		await expect(save(1, 'one', plus(f.answering, 0.1))).resolves.toMatchObject({
			applied: false,
			seq: 2,
			savedAt: f.answering.toISOString()
		});
		await expect(save(2, 'two', plus(f.answering, 0.2))).resolves.toMatchObject({
			applied: false,
			seq: 2
		});
		expect(await storedOf(id!)).toEqual([{ item_key: '2', seq: 2, text: 'two' }]);
		expect(
			await h.db
				.selectFrom('response_revision')
				.select(['seq', 'text'])
				.where('attempt_id', '=', id!)
				.execute()
		).toEqual([{ seq: 2, text: 'two' }]);
		expect(
			(
				await h.db
					.selectFrom('attempt')
					.select('last_saved_at')
					.where('id', '=', id!)
					.executeTakeFirstOrThrow()
			).last_saved_at
		).toEqual(f.answering);
	});
	it("refuses a wrong or expired session (401), another candidate's attempt and a question not in the paper (404), and stores nothing", async () => {
		const f = await signedIn(2);
		const [tokenA, tokenB] = f.tokens;
		const [a, b] = f.ids;
		const body = { seq: 1, text: 'should not land' };
		const forged = `${tokenA!.split('.')[0]}.${'a'.repeat(24)}`;
		await expect(
			saveAnswer(h.db, { token: forged, attemptId: a!, itemKey: '1', body }, f.answering)
		).rejects.toBeInstanceOf(UnauthorizedError);
		await expect(
			saveAnswer(h.db, { token: 'not-a-token', attemptId: a!, itemKey: '1', body }, f.answering)
		).rejects.toBeInstanceOf(UnauthorizedError);
		await expect(
			saveAnswer(h.db, { token: tokenB!, attemptId: a!, itemKey: '1', body }, f.answering)
		).rejects.toThrow('No such attempt');
		await expect(
			saveAnswer(h.db, { token: tokenA!, attemptId: 'not-a-uuid', itemKey: '1', body }, f.answering)
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			saveAnswer(h.db, { token: tokenA!, attemptId: a!, itemKey: '3', body }, f.answering)
		).rejects.toThrow('Question 3 is not in this paper');
		await expect(
			saveAnswer(
				h.db,
				{ token: tokenA!, attemptId: a!, itemKey: '1', body },
				plus(f.answering, 13 * 60)
			)
		).rejects.toBeInstanceOf(UnauthorizedError);
		expect([...(await storedOf(a!)), ...(await storedOf(b!))]).toEqual([]);
	});
	it('during reading time: 409 with the state; while paused: refused after a few seconds and kept; after the deadline: saved within the grace, then 410 and quarantined', async () => {
		const f = await signedIn();
		const [token] = f.tokens;
		const [id] = f.ids;
		const save = (itemKey: string, seq: number, text: string, at: Date) =>
			saveAnswer(h.db, { token: token!, attemptId: id!, itemKey, body: { seq, text } }, at);
		const reading = await save('1', 1, 'too early', plus(f.t0, 1)).catch((e: unknown) => e);
		expect(reading).toBeInstanceOf(ConflictError);
		expect((reading as ConflictError).details).toEqual({ state: 'reading' });
		const pausedAt = plus(f.t0, 10);
		await pause(h.db, { ...f.ctx, now: pausedAt }, f.sitting.id, id!, 'Candidate unwell');
		// A save already on its way when the pause began still counts...
		await expect(
			save('1', 1, 'typed as the pause began', new Date(pausedAt.getTime() + 3_000))
		).resolves.toMatchObject({ applied: true });
		// ...but the clock is stopped: writing on is refused, through either save path, and kept for the report.
		const during = await save('1', 2, 'written while paused', plus(f.t0, 11)).catch(
			(e: unknown) => e
		);
		expect(during).toBeInstanceOf(ConflictError);
		expect((during as ConflictError).details).toEqual({ state: 'paused' });
		expect((during as ConflictError).message).toMatch(/paused by the invigilator/);
		await expect(
			saveResponse(h.db, id!, '2', { seq: 1, text: 'also while paused' }, plus(f.t0, 12))
		).rejects.toMatchObject({ status: 409 });
		await resume(h.db, { ...f.ctx, now: plus(f.t0, 15) }, f.sitting.id, id!, 'Resumed');
		const deadline = plus(f.t0, 70); // 65 minutes and the 5 paused
		await expect(
			save('2', 1, 'in flight at the deadline', new Date(deadline.getTime() + 20_000))
		).resolves.toMatchObject({ applied: true });
		expect(
			(await getCandidateClock(h.db, id!, new Date(deadline.getTime() + 20_000))).submittedAt
		).toBe(deadline.toISOString());
		await expect(
			save('1', 2, 'too late', new Date(deadline.getTime() + 61_000))
		).rejects.toBeInstanceOf(GoneError);
		expect(await storedOf(id!)).toEqual([
			{ item_key: '1', seq: 1, text: 'typed as the pause began' },
			{ item_key: '2', seq: 1, text: 'in flight at the deadline' }
		]);
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual([
			'too early',
			'written while paused',
			'also while paused',
			'too late'
		]);
	});
	it('a pause during reading time takes no answers (reading time is for reading), through either save path', async () => {
		const f = await signedIn();
		const [token] = f.tokens;
		const [id] = f.ids;
		await pause(h.db, { ...f.ctx, now: plus(f.t0, 2) }, f.sitting.id, id!, 'Candidate unwell');
		const refused = saveAnswer(
			h.db,
			{
				token: token!,
				attemptId: id!,
				itemKey: '1',
				body: { seq: 1, text: 'typed while paused in reading' }
			},
			plus(f.t0, 3)
		);
		await expect(refused).rejects.toMatchObject({ details: { state: 'paused' } });
		expect(await storedOf(id!)).toEqual([]);
	});
	it('a voided attempt saves nothing to a script: a later save is refused (409 void) and kept in quarantine; the session ends soon after', async () => {
		const f = await signedIn();
		const [token] = f.tokens;
		const [id] = f.ids;
		await voidAttempt(
			h.db,
			{ ...f.ctx, now: plus(f.answering, 1) },
			f.sitting.id,
			id!,
			'Malpractice: phone in use'
		);
		const refused = saveAnswer(
			h.db,
			{ token: token!, attemptId: id!, itemKey: '1', body: { seq: 1, text: 'after void' } },
			plus(f.answering, 2)
		);
		await expect(refused).rejects.toBeInstanceOf(ConflictError);
		await expect(refused).rejects.toMatchObject({ details: { state: 'void' } });
		expect(await storedOf(id!)).toEqual([]);
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual(['after void']);
		// The page can still learn the exam was closed, for a while; then the session is gone.
		expect(
			(await validateCandidateToken(h.db, token!, plus(f.answering, 10)))?.attempt.row.state
		).toBe('void');
		expect(await validateCandidateToken(h.db, token!, plus(f.answering, 17))).toBeNull();
	});
	it('ending the sitting submits every attempt; saves already on their way reach the script within the grace, later ones quarantine; the receipt stays readable', async () => {
		const f = await signedIn(1);
		const [token] = f.tokens;
		const [id] = f.ids;
		const end = plus(f.answering, 5);
		await saveAnswer(
			h.db,
			{ token: token!, attemptId: id!, itemKey: '1', body: { seq: 1, text: 'before the end' } },
			plus(f.answering, 4)
		);
		expect(await endSitting(h.db, { ...f.ctx, now: end }, f.sitting.id)).toBe(1);
		await saveAnswer(
			h.db,
			{
				token: token!,
				attemptId: id!,
				itemKey: '1',
				body: { seq: 2, text: 'before the end, sent late' }
			},
			new Date(end.getTime() + 30_000)
		);
		await expect(
			saveAnswer(
				h.db,
				{ token: token!, attemptId: id!, itemKey: '2', body: { seq: 1, text: 'far too late' } },
				plus(end, 2)
			)
		).rejects.toBeInstanceOf(GoneError);
		expect(await storedOf(id!)).toEqual([
			{ item_key: '1', seq: 2, text: 'before the end, sent late' }
		]);
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual([
			'far too late'
		]);
		const session = await validateCandidateToken(h.db, token!, plus(end, 3));
		expect(session).not.toBeNull();
		const clock = await getCandidateClock(h.db, session!.attempt, plus(end, 3));
		expect(clock).toMatchObject({ state: 'submitted', submittedAt: end.toISOString() });
		expect(clock.reference).toMatch(/^R-[A-Z2-9]{8}$/);
		expect(await validateCandidateToken(h.db, token!, plus(end, 16))).toBeNull();
	});
});

describe('the server owns the clock', () => {
	it('the sweep submits attempts at their deadline, each by its own clock (extra time)', async () => {
		const f = await running(2, [{}, { extra_time_percent: '25' }]);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		expect(await sweepDeadlines(h.db, plus(f.t0, 64))).toBe(0);
		expect(await sweepDeadlines(h.db, plus(f.t0, 66))).toBeGreaterThanOrEqual(1);
		const rows = await h.db
			.selectFrom('attempt')
			.select(['id', 'state', 'submitted_at', 'submit_reason'])
			.where('sitting_id', '=', f.sitting.id)
			.execute();
		const byId = new Map(rows.map((r) => [r.id, r]));
		expect(byId.get(a!)).toMatchObject({
			state: 'submitted',
			submit_reason: 'deadline',
			submitted_at: plus(f.t0, 65)
		});
		expect(byId.get(b!)!.state).not.toBe('submitted');
		expect((await getCandidateClock(h.db, b!, plus(f.t0, 66))).state).toBe('in_progress');
		await sweepDeadlines(h.db, plus(f.t0, 80));
		expect((await getCandidateClock(h.db, b!, plus(f.t0, 80))).submittedAt).toBe(
			plus(f.t0, 80).toISOString()
		);
	});
	it('pause stops one candidate clock; resume and extra time move the deadline; both audited', async () => {
		const f = await running(2);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		await pause(
			h.db,
			{ ...f.ctx, now: plus(f.t0, 20) },
			f.sitting.id,
			a!,
			'Fire alarm test in corridor'
		);
		const paused = await getCandidateClock(h.db, a!, plus(f.t0, 30));
		expect(paused).toMatchObject({
			state: 'paused',
			pausedReason: 'Fire alarm test in corridor',
			timeLeftMs: 45 * MIN
		});
		await expect(
			resume(h.db, { ...f.ctx, now: plus(f.t0, 30) }, f.sitting.id, a!, ' ')
		).rejects.toThrow('Give a reason for resuming');
		await resume(h.db, { ...f.ctx, now: plus(f.t0, 30) }, f.sitting.id, a!, 'Alarm test over');
		await extendTime(
			h.db,
			{ ...f.ctx, now: plus(f.t0, 31) },
			f.sitting.id,
			a!,
			'5',
			'Computer restarted'
		);
		expect((await getCandidateClock(h.db, a!, plus(f.t0, 31))).deadlineAt).toBe(
			plus(f.t0, 80).toISOString()
		);
		expect((await getCandidateClock(h.db, b!, plus(f.t0, 31))).deadlineAt).toBe(
			plus(f.t0, 65).toISOString()
		);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('action')
			.where('subject_id', '=', a!)
			.orderBy('id')
			.execute();
		expect(audit.map((x) => x.action)).toEqual(
			expect.arrayContaining(['sitting.pause', 'sitting.resume', 'sitting.extra_time'])
		);
		await expect(extendTime(h.db, f.ctx, f.sitting.id, a!, '0', 'x')).rejects.toBeInstanceOf(
			ValidationError
		);
		await expect(pause(h.db, f.ctx, f.sitting.id, a!, '  ')).rejects.toThrow(
			'Give a reason for the pause'
		);
	});
	it('pause all and resume all reach every running candidate', async () => {
		const f = await running(3);
		expect(
			await pause(h.db, { ...f.ctx, now: plus(f.t0, 10) }, f.sitting.id, null, 'Disturbance')
		).toBe(3);
		expect((await consoleRows(h.db, f.sitting.id, plus(f.t0, 12))).map((r) => r.state)).toEqual([
			'paused',
			'paused',
			'paused'
		]);
		expect(
			await resume(h.db, { ...f.ctx, now: plus(f.t0, 12) }, f.sitting.id, null, 'Quiet again')
		).toBe(3);
		expect(
			(await consoleRows(h.db, f.sitting.id, plus(f.t0, 12))).map((r) => r.deadlineAt)
		).toEqual(Array(3).fill(plus(f.t0, 67).toISOString()));
	});
});

describe('submit, void, move and end', () => {
	it('submit is idempotent and gives a receipt; refused while reading', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await expect(submitAttempt(h.db, id, plus(f.t0, 2))).rejects.toBeInstanceOf(ConflictError);
		const r = await submitAttempt(h.db, id, f.answering);
		expect(r.reference).toMatch(/^R-[A-Z2-9]{8}$/);
		expect(await submitAttempt(h.db, id, plus(f.answering, 1))).toEqual(r);
		// A save after the candidate submitted is refused and kept.
		await expect(
			saveResponse(h.db, id, '1', { seq: 9, text: 'after' }, plus(f.answering, 2))
		).rejects.toBeInstanceOf(ConflictError);
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual(['after']);
	});
	it("before the start, signing in on another computer ends the first one's session: two computers never hold one script", async () => {
		const f = await makeSitting(h.db, 1);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.9.1.2'
		};
		const first = await signInCandidate(h.db, input);
		expect(await validateCandidateToken(h.db, first.token)).not.toBeNull();
		const second = await signInCandidate(h.db, input);
		expect(await validateCandidateToken(h.db, first.token)).toBeNull();
		expect(await validateCandidateToken(h.db, second.token)).not.toBeNull();
	});
	it('a candidate moves computer only when the invigilator allows it, keeping answers and clock', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.9.1.1'
		};
		const first = await signInCandidate(h.db, input, f.answering);
		await saveResponse(h.db, id, '1', { seq: 4, text: 'kept' }, f.answering);
		await expect(signInCandidate(h.db, input, plus(f.answering, 1))).rejects.toThrow(
			'already open on another computer'
		);
		await allowMove(h.db, f.ctx, f.sitting.id, id, 'Computer froze');
		const second = await signInCandidate(h.db, input, plus(f.answering, 2));
		expect(second.attemptId).toBe(id);
		expect(await validateCandidateToken(h.db, first.token)).toBeNull();
		const clock = await getCandidateClock(h.db, id, plus(f.answering, 2));
		expect(clock.deadlineAt).toBe(plus(f.t0, 65).toISOString());
		expect(
			(
				await h.db
					.selectFrom('response')
					.select('text')
					.where('attempt_id', '=', id)
					.executeTakeFirst()
			)?.text
		).toBe('kept');
		// The sitting's log shows both sign-ins and the move, each by the candidate.
		const events = await h.db
			.selectFrom('sitting_event')
			.select(['kind', 'actor_label'])
			.where('attempt_id', '=', id)
			.where('kind', 'in', ['candidate_sign_in', 'moved_computer'])
			.orderBy('id')
			.execute();
		expect(events).toEqual([
			{ kind: 'candidate_sign_in', actor_label: 'candidate 0001' },
			{ kind: 'moved_computer', actor_label: 'candidate 0001' },
			{ kind: 'candidate_sign_in', actor_label: 'candidate 0001' }
		]);
	});
	it('void needs a reason and ends the candidate session; end submits every running attempt', async () => {
		const f = await running(2);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		await expect(voidAttempt(h.db, f.ctx, f.sitting.id, a!, '')).rejects.toBeInstanceOf(
			ValidationError
		);
		await voidAttempt(h.db, f.ctx, f.sitting.id, a!, 'Notes found');
		expect(await endSitting(h.db, { ...f.ctx, now: plus(f.t0, 30) }, f.sitting.id)).toBe(1);
		const rows = await consoleRows(h.db, f.sitting.id, plus(f.t0, 30));
		expect(rows.map((r) => r.state)).toEqual(['void', 'submitted']);
		expect((await getCandidateClock(h.db, b!, plus(f.t0, 31))).submittedAt).toBe(
			plus(f.t0, 30).toISOString()
		);
		await expect(endSitting(h.db, f.ctx, f.sitting.id)).rejects.toBeInstanceOf(ConflictError);
	});
	it("the invigilator's report lists every incident, the voided attempt and each refused save, and prints as a PDF", async () => {
		const { logIncident } = await import('../../src/lib/server/invigilation/incidents.js');
		const { sittingReport } = await import('../../src/lib/server/invigilation/console.js');
		const { invigilatorReportPdf } =
			await import('../../src/lib/server/reports/sitting-documents.js');
		const f = await running(2);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		await logIncident(
			h.db,
			{ ...f.ctx, now: plus(f.t0, 10) },
			f.sitting.id,
			null,
			'Fire alarm test at 10:15'
		);
		await logIncident(
			h.db,
			{ ...f.ctx, now: plus(f.t0, 11) },
			f.sitting.id,
			a!,
			'Asked for a tissue'
		);
		// Enough other events to push incidents out of any "latest N" view.
		for (let i = 0; i < 60; i++) await recordEventForTest(f.sitting.id, a!, plus(f.t0, 12));
		await voidAttempt(
			h.db,
			{ ...f.ctx, now: plus(f.t0, 20) },
			f.sitting.id,
			b!,
			'Notes under the desk'
		);
		await expect(
			saveResponse(h.db, b!, '1', { seq: 1, text: 'after the void' }, plus(f.t0, 21))
		).rejects.toBeInstanceOf(ConflictError);
		const r = await sittingReport(h.db, f.sitting.id, plus(f.t0, 22));
		expect(r.incidents.map((e) => [e.kind, e.reason, e.candidate_number])).toEqual([
			['incident', 'Fire alarm test at 10:15', null],
			['incident', 'Asked for a tissue', '0001'],
			['void', 'Notes under the desk', '0002']
		]);
		expect(r.quarantine.map((q) => [q.candidate_number, q.text])).toEqual([
			['0002', 'after the void']
		]);
		expect(r.events.length).toBeGreaterThan(60);
		expect(r.rows.map((x) => x.state)).toEqual(['in_progress', 'void']);
		const pdf = await invigilatorReportPdf(h.db, f.centre.id, f.sitting.id, plus(f.t0, 22));
		expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe('%PDF-');
		await expect(
			invigilatorReportPdf(h.db, '00000000-0000-4000-8000-000000000000', f.sitting.id)
		).rejects.toBeInstanceOf(NotFoundError);
	});
	it("an invigilator action names only this sitting's attempts", async () => {
		const f1 = await running(1);
		const f2 = await running(1);
		await expect(
			pause(h.db, f1.ctx, f1.sitting.id, f2.attemptOf(f2.candidates[0]!.id), 'x')
		).rejects.toBeInstanceOf(NotFoundError);
	});
});

describe('rest breaks (access arrangement)', () => {
	it('a candidate with rest breaks stops and restarts their own clock; others cannot', async () => {
		const { candidateRestBreak } = await import('../../src/lib/server/delivery/submission.js');
		const { t0, ...f } = await running(2, [{ rest_breaks: 'yes' }]);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		const onBreak = await candidateRestBreak(h.db, a!, true, plus(t0, 20));
		expect(onBreak).toMatchObject({ state: 'paused', pauseKind: 'rest_break' });
		// The clock is stopped for the break: nothing written during it reaches the script, however long the break.
		const { saveResponse: save } = await import('../../src/lib/server/delivery/autosave.js');
		await expect(
			save(h.db, a!, '1', { seq: 1, text: 'written on a break' }, plus(t0, 29))
		).rejects.toMatchObject({
			status: 409,
			message: expect.stringMatching(/rest break/)
		});
		expect(
			await h.db.selectFrom('response').select('text').where('attempt_id', '=', a!).execute()
		).toEqual([]);
		const back = await candidateRestBreak(h.db, a!, false, plus(t0, 30));
		expect(back.state).toBe('in_progress');
		expect(back.deadlineAt).toBe(plus(t0, 75).toISOString());
		await expect(candidateRestBreak(h.db, b!, true, plus(t0, 31))).rejects.toThrow(
			'Rest breaks are not part of your access arrangements'
		);
		// An invigilator's pause is not the candidate's to end.
		await pause(h.db, { ...f.ctx, now: plus(t0, 32) }, f.sitting.id, a!, 'Noise outside');
		await expect(candidateRestBreak(h.db, a!, false, plus(t0, 33))).rejects.toBeInstanceOf(
			ConflictError
		);
	});
});

describe('the state machine is the one home of every state change', () => {
	it('ending the sitting in reading time submits through the transition, and a later save within the grace is kept', async () => {
		const f = await running(2);
		const [a] = f.candidates.map((c) => f.attemptOf(c.id));
		// One candidate is paused during reading time, the other still reading: both are closed.
		await pause(h.db, { ...f.ctx, now: plus(f.t0, 1) }, f.sitting.id, a!, 'Fire alarm test');
		expect(await endSitting(h.db, { ...f.ctx, now: plus(f.t0, 2) }, f.sitting.id)).toBe(2);
		const rows = await h.db
			.selectFrom('attempt')
			.select(['state', 'submit_reason', 'paused_at', 'pause_kind', 'reference'])
			.where('sitting_id', '=', f.sitting.id)
			.execute();
		for (const r of rows) {
			expect(r).toMatchObject({
				state: 'submitted',
				submit_reason: 'sitting_ended',
				paused_at: null,
				pause_kind: null
			});
			expect(r.reference).toMatch(/^R-/);
		}
	});
	it('the candidate cannot submit while their clock is stopped', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await pause(
			h.db,
			{ ...f.ctx, now: plus(f.answering, 1) },
			f.sitting.id,
			id,
			'Candidate unwell'
		);
		await expect(submitAttempt(h.db, id, plus(f.answering, 2))).rejects.toMatchObject({
			status: 409,
			details: { state: 'paused' }
		});
	});
	it('a stopped clock is never submitted by the sweep, however late', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await pause(h.db, { ...f.ctx, now: plus(f.answering, 1) }, f.sitting.id, id, 'Evacuation');
		await sweepDeadlines(h.db, plus(f.t0, 500));
		expect((await getCandidateClock(h.db, id, plus(f.t0, 500))).state).toBe('paused');
	});
	it('extra time and a move are refused once the attempt is over, with the reason', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await submitAttempt(h.db, id, plus(f.answering, 1));
		await expect(
			extendTime(h.db, { ...f.ctx, now: plus(f.answering, 2) }, f.sitting.id, id, 5, 'late')
		).rejects.toThrow(/cannot give extra time to an attempt that is submitted/i);
		await expect(
			allowMove(h.db, { ...f.ctx, now: plus(f.answering, 2) }, f.sitting.id, id, 'pc failed')
		).rejects.toThrow(/cannot allow a move/i);
	});
});

describe('refused saves are kept, within a bound per attempt', () => {
	it('300 refused saves after submission: the first ones kept whole, the rest counted; the console shows counts and short previews', async () => {
		const { QUARANTINE_BOUND } = await import('../../src/lib/domain/attempt.js');
		const { quarantineOverview, QUARANTINE_PREVIEW_CHARS } =
			await import('../../src/lib/server/invigilation/console.js');
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await submitAttempt(h.db, id, plus(f.answering, 1));
		const big = 'x'.repeat(19_000);
		for (let seq = 1; seq <= 300; seq++) {
			await expect(
				saveResponse(h.db, id, '1', { seq, text: `${seq} ${big}` }, plus(f.answering, 2))
			).rejects.toMatchObject({ status: 409 });
		}
		const kept = await quarantinedSaves(h.db, f.sitting.id);
		expect(kept.length).toBeLessThanOrEqual(QUARANTINE_BOUND.rows);
		expect(kept.reduce((n, q) => n + q.text.length, 0)).toBeLessThanOrEqual(QUARANTINE_BOUND.chars);
		expect(kept.length).toBeGreaterThan(0);
		const overview = await quarantineOverview(h.db, f.sitting.id);
		expect(overview.byCandidate).toEqual([
			{ candidateNumber: '0001', kept: kept.length, counted: 300 - kept.length }
		]);
		for (const q of overview.latest)
			expect(q.preview.length).toBeLessThanOrEqual(QUARANTINE_PREVIEW_CHARS);
		expect(JSON.stringify(overview).length).toBeLessThan(20_000);
	});
	it('the same refused save sent again (the browser retrying while paused) is kept once', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await pause(h.db, { ...f.ctx, now: plus(f.answering, 1) }, f.sitting.id, id, 'Noise');
		for (let i = 0; i < 5; i++)
			await expect(
				saveResponse(h.db, id, '1', { seq: 7, text: 'same words' }, plus(f.answering, 2 + i))
			).rejects.toMatchObject({ status: 409 });
		expect((await quarantinedSaves(h.db, f.sitting.id)).map((q) => q.text)).toEqual(['same words']);
	});
});

describe('found by the attack test', () => {
	it('a candidate on a rest break is held by "pause everyone": they cannot end their break and write on while the room is paused', async () => {
		const { candidateRestBreak } = await import('../../src/lib/server/delivery/submission.js');
		const { t0, ...f } = await running(2, [{ rest_breaks: 'yes' }]);
		const [a, b] = f.candidates.map((c) => f.attemptOf(c.id));
		await candidateRestBreak(h.db, a!, true, plus(t0, 20));
		expect(
			await pause(h.db, { ...f.ctx, now: plus(t0, 21) }, f.sitting.id, null, 'Fire alarm')
		).toBe(2);
		await expect(candidateRestBreak(h.db, a!, false, plus(t0, 22))).rejects.toBeInstanceOf(
			ConflictError
		);
		await expect(
			saveResponse(h.db, a!, '1', { seq: 1, text: 'during the alarm' }, plus(t0, 23))
		).rejects.toMatchObject({ status: 409 });
		expect(
			await resume(h.db, { ...f.ctx, now: plus(t0, 30) }, f.sitting.id, null, 'All clear')
		).toBe(2);
		// The break's taker lost no time: their clock stopped when the break began, and runs again now.
		const clock = await getCandidateClock(h.db, a!, plus(t0, 30));
		expect(clock.state).toBe('in_progress');
		expect(clock.deadlineAt).toBe(plus(t0, 65 + 10).toISOString());
		expect((await getCandidateClock(h.db, b!, plus(t0, 30))).deadlineAt).toBe(
			plus(t0, 65 + 9).toISOString()
		);
	});
	it('a NUL byte in an invigilator’s reason is a form error (it was a 500), and nothing is written', async () => {
		const { logIncident } = await import('../../src/lib/server/invigilation/incidents.js');
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const before = (
			await h.db
				.selectFrom('sitting_event')
				.select('id')
				.where('sitting_id', '=', f.sitting.id)
				.execute()
		).length;
		for (const act of [
			() => logIncident(h.db, f.ctx, f.sitting.id, id, 'a\u0000b'),
			() => pause(h.db, f.ctx, f.sitting.id, null, 'a\u0000b'),
			() => voidAttempt(h.db, f.ctx, f.sitting.id, id, 'a\u0000b'),
			() => extendTime(h.db, f.ctx, f.sitting.id, id, 5, 'a\u0000b'),
			() => allowMove(h.db, f.ctx, f.sitting.id, id, 'a\u0000b')
		]) {
			await expect(act()).rejects.toBeInstanceOf(ValidationError);
		}
		expect(
			(
				await h.db
					.selectFrom('sitting_event')
					.select('id')
					.where('sitting_id', '=', f.sitting.id)
					.execute()
			).length
		).toBe(before);
	});
	it('refused saves at the bound still print as a short report, each cut at a length with its full size stated', async () => {
		const { invigilatorReportPdf } =
			await import('../../src/lib/server/reports/sitting-documents.js');
		const { PDFDocument } = await import('pdf-lib');
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await submitAttempt(h.db, id, plus(f.answering, 1));
		for (let seq = 1; seq <= 12; seq++)
			await saveResponse(
				h.db,
				id,
				'1',
				{ seq, text: `${seq} ${'word '.repeat(3_990)}` },
				plus(f.answering, 2)
			).catch(() => null);
		expect((await quarantinedSaves(h.db, f.sitting.id)).length).toBe(10);
		const pdf = await PDFDocument.load(await invigilatorReportPdf(h.db, f.centre.id, f.sitting.id));
		// Printed whole, ten answers of 20,000 characters fill about twenty pages on their own.
		expect(pdf.getPageCount()).toBeLessThan(10);
	});
	it('the console shows the newest 200 log entries and says how many there are; incidents are listed however old', async () => {
		const { consoleLog, CONSOLE_LOG_ROWS } =
			await import('../../src/lib/server/invigilation/console.js');
		const { logIncident } = await import('../../src/lib/server/invigilation/incidents.js');
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		await logIncident(
			h.db,
			{ ...f.ctx, now: plus(f.answering, 1) },
			f.sitting.id,
			id,
			'Phone rang'
		);
		for (let i = 0; i < CONSOLE_LOG_ROWS + 20; i++)
			await recordEventForTest(f.sitting.id, id, plus(f.answering, 2));
		const log = await consoleLog(h.db, f.sitting.id);
		expect(log.events).toHaveLength(CONSOLE_LOG_ROWS);
		expect(log.eventCount).toBeGreaterThan(CONSOLE_LOG_ROWS + 20);
		expect(log.incidents.map((e) => e.reason)).toEqual(['Phone rang']);
	});
});

describe('candidate sign-in reads candidate numbers as the register does', () => {
	it('"1" and " 01 " sign in candidate 0001, and count against the same throttle', async () => {
		const f = await makeSitting(h.db, 1);
		const input = (candidateNumber: string) => ({
			centreNumber: f.centre.number,
			candidateNumber,
			keycode: f.sitting.keycode,
			ip: '10.9.7.1'
		});
		const r = await signInCandidate(h.db, input('1'));
		expect(r.attemptId).toBe(f.attemptOf(f.candidates[0]!.id));
		expect((await validateCandidateToken(h.db, r.token))?.attemptId).toBe(r.attemptId);
		await expect(signInCandidate(h.db, input(' 01 '))).resolves.toMatchObject({
			attemptId: r.attemptId
		});
		const events = await h.db
			.selectFrom('sitting_event')
			.select('actor_label')
			.where('attempt_id', '=', r.attemptId)
			.execute();
		expect(events.map((e) => e.actor_label)).toEqual(['candidate 0001', 'candidate 0001']);
		// A number that is not the candidate's still matches nothing.
		await expect(signInCandidate(h.db, input('10001'))).rejects.toThrow(NO_MATCHING_SITTING);
	});
});

describe('why a computer is signed out (the exam API says which)', () => {
	const bodyOf = async (err: unknown) =>
		(await apiErrorFrom(err).json()) as { error: string; signedOut?: string };

	it("a move: the old computer's session ends at once, and its 401 says 'moved'", async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.9.8.1'
		};
		const first = await signInCandidate(h.db, input, f.answering);
		await allowMove(h.db, f.ctx, f.sitting.id, id, 'Screen failed');
		await signInCandidate(h.db, input, plus(f.answering, 1));
		for (const at of [plus(f.answering, 1), plus(f.answering, 30)])
			expect(await checkCandidateToken(h.db, first.token, at)).toEqual({
				ok: false,
				signedOut: 'moved'
			});
		const err = await saveAnswer(
			h.db,
			{ token: first.token, attemptId: id, itemKey: '1', body: { seq: 1, text: 'late' } },
			plus(f.answering, 2)
		).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(UnauthorizedError);
		expect(await bodyOf(err)).toMatchObject({
			signedOut: 'moved',
			error: 'This exam has moved to another computer'
		});
	});

	it("an expired session, an unknown or forged token: the 401 says 'ended'", async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.9.8.2'
		};
		const { token } = await signInCandidate(h.db, input, f.answering);
		const forged = `${token.split('.')[0]}.${'a'.repeat(24)}`;
		for (const [t, at] of [
			[token, plus(f.answering, 13 * 60)],
			[forged, f.answering],
			['not-a-token', f.answering]
		] as const) {
			expect(await checkCandidateToken(h.db, t, at)).toEqual({ ok: false, signedOut: 'ended' });
			const err = await saveAnswer(
				h.db,
				{ token: t, attemptId: id, itemKey: '1', body: { seq: 1, text: 'x' } },
				at
			).catch((e: unknown) => e);
			expect(await bodyOf(err)).toMatchObject({ signedOut: 'ended' });
		}
	});

	it('the clock, submit and rest-break calls answer the same (refuseUnlessOwnAttempt)', async () => {
		const locals = (signedOut: 'moved' | 'ended' | null) => ({
			db: h.db,
			user: null,
			session: null,
			candidate: null,
			candidateSignedOut: signedOut
		});
		const moved = refuseUnlessOwnAttempt(locals('moved'), 'x')!;
		expect(moved.status).toBe(401);
		expect(await moved.json()).toMatchObject({ signedOut: 'moved' });
		for (const none of ['ended', null] as const)
			expect(await refuseUnlessOwnAttempt(locals(none), 'x')!.json()).toMatchObject({
				signedOut: 'ended'
			});
	});
});

describe('a voided attempt reinstated while open', () => {
	it('keeps its session (with an end, as any sign-in), needs "allow move" for another computer while it lives, and none once it has ended', async () => {
		const f = await running(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const input = {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.9.9.1'
		};
		const first = await signInCandidate(h.db, input, f.answering);
		await voidAttempt(
			h.db,
			{ ...f.ctx, now: plus(f.answering, 1) },
			f.sitting.id,
			id,
			'Phone on desk'
		);
		expect(
			await reinstateAttempt(
				h.db,
				{ ...f.ctx, now: plus(f.answering, 5) },
				f.sitting.id,
				id,
				'Phone was switched off'
			)
		).toBe('in_progress');
		// The candidate's page carries on, past the end the void had set.
		expect(await validateCandidateToken(h.db, first.token, plus(f.answering, 30))).not.toBeNull();
		// Open on that computer: another one gets in only with the invigilator's move, as for any open exam.
		await expect(
			signInCandidate(h.db, { ...input, ip: '10.9.9.2' }, plus(f.answering, 30))
		).rejects.toThrow('already open on another computer');
		// Its session ends as a sign-in's does; then the candidate signs in again, no move needed.
		const ended = plus(f.answering, 12 * 60 + 1);
		expect(await validateCandidateToken(h.db, first.token, ended)).toBeNull();
		const again = await signInCandidate(h.db, { ...input, ip: '10.9.9.3' }, ended);
		expect(again.attemptId).toBe(id);
		expect(await validateCandidateToken(h.db, again.token, ended)).not.toBeNull();
		expect(
			await h.db
				.selectFrom('sitting_event')
				.select('kind')
				.where('attempt_id', '=', id)
				.where('kind', '=', 'moved_computer')
				.execute()
		).toEqual([]);
	});
});
