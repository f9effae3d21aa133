import { isHttpError } from '@sveltejs/kit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { accessNeededFor, decideAccess } from '../../src/lib/domain/roles.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import type { SessionUser } from '../../src/lib/server/auth/sessions.js';
import { papersForAwarding } from '../../src/lib/server/awarding/approval.js';
import {
	computeFinishedSittings,
	computeSittingResults
} from '../../src/lib/server/awarding/compute.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { endSitting } from '../../src/lib/server/invigilation/end.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import {
	getMockScript,
	getMockSitting,
	recordMockMark
} from '../../src/lib/server/mocks/mock-marking.js';
import {
	getPracticePaper,
	listPracticePapers
} from '../../src/lib/server/mocks/practice-papers.js';
import { createReadyScripts } from '../../src/lib/server/scripts/store.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';
import { createTestDatabase } from '../helpers/db.js';
import { fakeEvent, outcome } from '../helpers/fake-event.js';
import { makeCentre, makeStaff } from '../helpers/fixtures.js';
import { registerCandidates } from '../helpers/registration-fixture.js';

/*
 * Mocks end to end on a real database: the fixture bank holds a live paper (8992-111-T) and a
 * practice copy of it (8992-111-Q: items 1, 2, 3.a points; 3.b levels; 5 marks each; pass 12,
 * first class 16).
 */
let h: DatabaseHandle;
const LIVE = '8992-111-T';
const PRACTICE = '8992-111-Q';

beforeAll(async () => {
	h = await createTestDatabase();
	await importBank(
		h.db,
		loadBank(
			writeBank({
				papers: [
					validPaper(),
					{ ...validPaper(), code: PRACTICE, kind: 'practice', title: 'Practice paper' }
				]
			})
		),
		SYSTEM_ACTOR
	);
	// Migrating a fresh PGlite takes a while on a busy machine.
}, 180_000);
afterAll(() => h.close());

/** A centre with an administrator, an invigilator and `n` candidates. */
async function centreWith(n: number) {
	const centre = await makeCentre(h.db);
	const admin = await makeStaff(h.db, 'centre_admin', centre.id);
	const invigilator = await makeStaff(h.db, 'invigilator', centre.id);
	const candidates: { id: string }[] = [];
	for (let i = 0; i < n; i++) {
		candidates.push(
			await registerCandidate(h.db, SYSTEM_ACTOR, centre.id, {
				candidate_number: String(i + 1).padStart(4, '0'),
				first_name: `Cand${i + 1}`,
				last_name: 'Mock'
			})
		);
	}
	// Registered for the fixture unit's qualification, as a live sitting's booking needs (a mock needs none).
	await registerCandidates(
		h.db,
		centre.id,
		candidates.map((c) => c.id)
	);
	const actor = { userId: admin.id, label: admin.email };
	const book = (paper_code: string, purpose?: string) =>
		bookSitting(h.db, actor, centre.id, {
			paper_code,
			...(purpose ? { purpose } : {}),
			// A minute ago: sat() starts it then, on the booked day even just after midnight.
			scheduled_at: new Date(Date.now() - 60_000).toISOString(),
			room: 'Room M',
			invigilator_ids: [invigilator.id],
			candidate_ids: candidates.map((c) => c.id)
		});
	return { centre, admin, invigilator, candidates, actor, book };
}

/** Books, runs and ends a sitting; candidate i writes answers[i] (the stored responses), and is absent when answers[i] is null. */
async function sat(
	f: Awaited<ReturnType<typeof centreWith>>,
	paper: string,
	purpose: 'live' | 'mock',
	answers: (Record<string, string> | null)[]
) {
	const sitting = await f.book(paper, purpose);
	const attempts = await h.db
		.selectFrom('attempt')
		.select(['id', 'candidate_id'])
		.where('sitting_id', '=', sitting.id)
		.execute();
	const attemptOf = (i: number) => attempts.find((a) => a.candidate_id === f.candidates[i]!.id)!.id;
	const ctx = {
		actor: { userId: f.invigilator.id, label: f.invigilator.email },
		centreId: f.centre.id
	};
	const t0 = new Date(Date.now() - 60_000);
	for (const [i, a] of answers.entries())
		await markAttendance(h.db, { ...ctx, now: t0 }, sitting.id, attemptOf(i), a !== null);
	await startSitting(h.db, { ...ctx, now: t0 }, sitting.id);
	for (const [i, a] of answers.entries()) {
		for (const [item_key, text] of Object.entries(a ?? {})) {
			await h.db
				.insertInto('response')
				.values({
					attempt_id: attemptOf(i),
					item_key,
					seq: 1,
					text,
					saved_at: new Date(t0.getTime() + 30_000)
				})
				.execute();
		}
	}
	await endSitting(h.db, { ...ctx, now: new Date() }, sitting.id);
	return { sitting, attemptOf };
}

const mockMarkCount = async (attemptId: string) =>
	Number(
		(
			await h.db
				.selectFrom('mock_mark')
				.select((eb) => eb.fn.countAll().as('n'))
				.where('attempt_id', '=', attemptId)
				.executeTakeFirstOrThrow()
		).n
	);

describe('booking a mock', () => {
	it('a mock books only a practice paper, a live sitting only a live paper; each refusal names the reason on the paper field and books nothing', async () => {
		const f = await centreWith(1);
		const mock = await f.book(PRACTICE, 'mock');
		expect(mock.purpose).toBe('mock');
		// A booking that says nothing of its purpose is live, as before mocks.
		expect((await f.book(LIVE)).purpose).toBe('live');
		const before = await h.db
			.selectFrom('sitting')
			.select('id')
			.where('centre_id', '=', f.centre.id)
			.execute();

		const mockOfLive = await f.book(LIVE, 'mock').catch((e: unknown) => e);
		expect(mockOfLive).toBeInstanceOf(ValidationError);
		expect((mockOfLive as ValidationError).issues).toEqual([
			{ field: 'paper_code', message: expect.stringMatching(/mock uses a practice paper/) }
		]);
		const liveOfPractice = await f.book(PRACTICE, 'live').catch((e: unknown) => e);
		expect(liveOfPractice).toBeInstanceOf(ValidationError);
		expect((liveOfPractice as ValidationError).message).toMatch(
			/practice paper can be booked only as a mock/
		);
		const oddPurpose = await f.book(PRACTICE, 'rehearsal').catch((e: unknown) => e);
		expect((oddPurpose as ValidationError).issues).toEqual([
			{ field: 'purpose', message: 'Choose a live exam or a mock' }
		]);

		expect(
			await h.db.selectFrom('sitting').select('id').where('centre_id', '=', f.centre.id).execute()
		).toHaveLength(before.length);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('details')
			.where('action', '=', 'sitting.book')
			.where('subject_id', '=', mock.id)
			.executeTakeFirstOrThrow();
		expect(audit.details).toMatchObject({ paper: PRACTICE, purpose: 'mock' });
	});
});

describe("a mock never enters the awarding body's marking or results", () => {
	it('mock attempts make no script and no result; a live sitting beside it does', async () => {
		const f = await centreWith(2);
		const mock = await sat(f, PRACTICE, 'mock', [{ '1': 'Members of the public' }, null]);
		const live = await sat(f, LIVE, 'live', [{ '1': 'Members of the public' }, null]);
		const attempt = await h.db
			.selectFrom('attempt')
			.select('state')
			.where('id', '=', mock.attemptOf(0))
			.executeTakeFirstOrThrow();
		expect(attempt.state).toBe('submitted');

		await createReadyScripts(h.db, new Date(Date.now() + 5 * 60_000));
		const scripted = await h.db
			.selectFrom('script')
			.select('attempt_id')
			.where('attempt_id', 'in', [mock.attemptOf(0), live.attemptOf(0)])
			.execute();
		expect(scripted.map((s) => s.attempt_id)).toEqual([live.attemptOf(0)]);

		// Nothing to allocate, so nothing for markers, second marking or moderation either.
		const allocations = await h.db
			.selectFrom('allocation as al')
			.innerJoin('script as sc', 'sc.id', 'al.script_id')
			.select('al.id')
			.where('sc.attempt_id', '=', mock.attemptOf(0))
			.execute();
		expect(allocations).toEqual([]);

		await computeFinishedSittings(h.db);
		const err = await computeSittingResults(h.db, SYSTEM_ACTOR, mock.sitting.id, 'computed').catch(
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).message).toMatch(/mock sitting has no results/);
		expect(
			await h.db
				.selectFrom('sitting_results')
				.select('sitting_id')
				.where('sitting_id', '=', mock.sitting.id)
				.execute()
		).toEqual([]);
		expect(
			await h.db
				.selectFrom('result')
				.select('id')
				.where('attempt_id', 'in', [mock.attemptOf(0), mock.attemptOf(1)])
				.execute()
		).toEqual([]);
		expect((await papersForAwarding(h.db)).map((p) => p.code)).not.toContain(PRACTICE);
	});
});

describe("the centre's own staff mark a mock against the practice paper's grid", () => {
	it('a mark over the grid is refused with the reason and writes nothing; marks build a total and an indicative grade; append-only and audited', async () => {
		const f = await centreWith(1);
		const { sitting, attemptOf } = await sat(f, PRACTICE, 'mock', [
			{ '1': 'Members of the public', '3.a': 'Listen first', '3.b': 'Apologise and act' }
		]);
		const attemptId = attemptOf(0);
		const mark = (item: string, m: string, comment = '') =>
			recordMockMark(h.db, f.actor, f.centre.id, sitting.id, attemptId, { item, mark: m, comment });

		for (const [item, m, reason] of [
			['1', '6', /worth at most 5 marks/],
			['1', '-1', /cannot be below 0/],
			['1', '2.5', /must be a number/],
			['9', '1', /question of this paper/],
			// A blank answer scores 0 (question 2 was left blank).
			['2', '1', /Question 2 has no answer written, so it scores 0/]
		] as const) {
			const err = await mark(item, m).catch((e: unknown) => e);
			expect(err, `${item}=${m}`).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).message).toMatch(reason);
		}
		expect(await mockMarkCount(attemptId)).toBe(0);

		const before = await getMockScript(h.db, f.centre.id, sitting.id, attemptId);
		expect(before.items.map((i) => [i.key, i.answer])).toEqual([
			['1', 'Members of the public'],
			['2', null],
			['3.a', 'Listen first'],
			['3.b', 'Apologise and act']
		]);
		expect(before.result).toMatchObject({
			total: 0,
			maxTotal: 20,
			marked: 0,
			indicativeGrade: null
		});
		expect(before.label).toBe('Mock – not a result');

		await mark('1', '5', 'Good');
		await mark('2', '0');
		await mark('3.a', '3');
		// Not every item marked yet: no grade from part of a script.
		expect(
			(await getMockSitting(h.db, f.centre.id, sitting.id)).candidates[0]!.result
		).toMatchObject({ total: 8, marked: 3, indicativeGrade: null });
		await mark('3.b', '4');
		// A second mark on an item is a new row; the latest counts.
		await mark('3.b', '5');
		const after = await getMockScript(h.db, f.centre.id, sitting.id, attemptId);
		expect(after.result).toMatchObject({
			total: 13,
			maxTotal: 20,
			marked: 4,
			indicativeGrade: 'Pass'
		});
		expect(after.items[0]!.mark).toMatchObject({
			mark: 5,
			comment: 'Good',
			markedBy: expect.stringMatching(/centre_admin/)
		});
		expect(await mockMarkCount(attemptId)).toBe(5);

		const rows = await h.db
			.selectFrom('mock_mark')
			.select(['marked_by', 'created_at'])
			.where('attempt_id', '=', attemptId)
			.execute();
		for (const r of rows) expect(r.marked_by).toBe(f.admin.id);
		const audit = await h.db
			.selectFrom('audit_log')
			.select(['details', 'actor_user_id'])
			.where('action', '=', 'mock.mark')
			.where('subject_id', '=', attemptId)
			.orderBy('id')
			.execute();
		expect(audit).toHaveLength(5);
		expect(audit[4]).toMatchObject({
			actor_user_id: f.admin.id,
			details: { item: '3.b', mark: 5, paper: PRACTICE }
		});

		await expect(
			sql`update mock_mark set mark = 0 where attempt_id = ${attemptId}`.execute(h.db)
		).rejects.toThrow();
		await expect(
			sql`delete from mock_mark where attempt_id = ${attemptId}`.execute(h.db)
		).rejects.toThrow();
		// Still no script or result after marking.
		expect(
			await h.db.selectFrom('script').select('id').where('attempt_id', '=', attemptId).execute()
		).toEqual([]);
	});

	it("another centre's staff can neither see nor mark the mock; an absent candidate has nothing to mark", async () => {
		const f = await centreWith(2);
		const other = await centreWith(0);
		const { sitting, attemptOf } = await sat(f, PRACTICE, 'mock', [{ '1': 'Email' }, null]);
		await expect(getMockSitting(h.db, other.centre.id, sitting.id)).rejects.toBeInstanceOf(
			NotFoundError
		);
		await expect(
			getMockScript(h.db, other.centre.id, sitting.id, attemptOf(0))
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			recordMockMark(h.db, other.actor, other.centre.id, sitting.id, attemptOf(0), {
				item: '1',
				mark: '1'
			})
		).rejects.toBeInstanceOf(NotFoundError);
		// Naming the right centre is no way in either: the hook refuses another centre's page before any of this runs.
		const need = accessNeededFor('/centre/[centreId]/sittings/[sittingId]/mock/[attemptId]', {
			centreId: f.centre.id
		});
		expect(decideAccess([{ role: 'centre_admin', centreId: other.centre.id }], need!)).toBe(
			'not_found'
		);
		expect(decideAccess([{ role: 'invigilator', centreId: f.centre.id }], need!)).toBe('forbidden');
		expect(await mockMarkCount(attemptOf(0))).toBe(0);

		await expect(getMockScript(h.db, f.centre.id, sitting.id, attemptOf(1))).rejects.toBeInstanceOf(
			ConflictError
		);
		await expect(
			recordMockMark(h.db, f.actor, f.centre.id, sitting.id, attemptOf(1), { item: '1', mark: '1' })
		).rejects.toThrow(/Only a submitted exam/);
	});
});

describe('live papers and their grids never reach a centre', () => {
	it('the practice list holds practice papers only; a live paper is not found by code, by version id, or through a live sitting', async () => {
		const f = await centreWith(1);
		expect((await listPracticePapers(h.db)).map((p) => p.code)).toEqual([PRACTICE]);
		const practice = await getPracticePaper(h.db, PRACTICE);
		expect(practice.items.map((i) => i.key)).toEqual(['1', '2', '3.a', '3.b']);
		expect(practice.paper.case_study).toBe('A small shop.');

		const liveVersion = await h.db
			.selectFrom('paper')
			.select('current_version_id')
			.where('code', '=', LIVE)
			.executeTakeFirstOrThrow();
		for (const code of [LIVE, liveVersion.current_version_id!, '8992-111-Z']) {
			await expect(getPracticePaper(h.db, code), code).rejects.toThrow(NotFoundError);
		}
		// A live sitting of the centre's own is no way to its paper's grid.
		const live = await sat(f, LIVE, 'live', [{ '1': 'Email' }]);
		await expect(getMockSitting(h.db, f.centre.id, live.sitting.id)).rejects.toBeInstanceOf(
			NotFoundError
		);
		await expect(
			getMockScript(h.db, f.centre.id, live.sitting.id, live.attemptOf(0))
		).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			recordMockMark(h.db, f.actor, f.centre.id, live.sitting.id, live.attemptOf(0), {
				item: '1',
				mark: '1'
			})
		).rejects.toBeInstanceOf(NotFoundError);

		// The page itself: a live code is the site's 404, with nothing of the paper in it.
		const user: SessionUser = {
			id: f.admin.id,
			email: f.admin.email,
			displayName: 'admin',
			grants: [{ role: 'centre_admin', centreId: f.centre.id }]
		};
		const page = await import('../../src/routes/centre/[centreId]/practice/[code]/+page.server.js');
		const ev = (code: string) =>
			fakeEvent<never>(h.db, {
				path: `/centre/${f.centre.id}/practice/${code}`,
				routeId: '/centre/[centreId]/practice/[code]',
				params: { centreId: f.centre.id, code },
				user
			});
		const refused = await outcome(() => page.load(ev(LIVE)));
		expect(isHttpError(refused.thrown) && refused.thrown.status).toBe(404);
		expect(JSON.stringify(refused)).not.toMatch(/point 1|Identify two types/);
		const shown = await outcome(() => page.load(ev(PRACTICE)));
		expect(JSON.stringify(shown.result)).toContain('point 1');
	});
});
