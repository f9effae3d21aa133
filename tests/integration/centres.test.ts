import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import type { Actor } from '../../src/lib/server/audit/index.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import {
	getCandidate,
	listCandidates,
	registerCandidate,
	updateArrangements
} from '../../src/lib/server/centres/candidates.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { NotFoundError, ValidationError } from '../../src/lib/server/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre, makeStaff } from '../helpers/fixtures.js';

let h: DatabaseHandle;
const actor: Actor = { userId: null, label: 'test-admin', ip: '127.0.0.1' };
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

describe('centre scoping', () => {
	it("lists only a centre's own candidates and finds no other centre's candidate", async () => {
		const a = await makeCentre(h.db);
		const b = await makeCentre(h.db);
		const ca = await registerCandidate(h.db, actor, a.id, {
			candidate_number: '1',
			first_name: 'A',
			last_name: 'One'
		});
		await registerCandidate(h.db, actor, b.id, {
			candidate_number: '1',
			first_name: 'B',
			last_name: 'One'
		});
		expect((await listCandidates(h.db, a.id)).map((c) => c.first_name)).toEqual(['A']);
		await expect(getCandidate(h.db, b.id, ca.id)).rejects.toBeInstanceOf(NotFoundError);
		await expect(
			updateArrangements(h.db, actor, b.id, ca.id, { extra_time_percent: '25' })
		).rejects.toBeInstanceOf(NotFoundError);
		expect((await getCandidate(h.db, a.id, ca.id)).extra_time_percent).toBe(0);
	});
	it('refuses a duplicate candidate number at the same centre', async () => {
		const a = await makeCentre(h.db);
		await registerCandidate(h.db, actor, a.id, {
			candidate_number: '0042',
			first_name: 'A',
			last_name: 'B'
		});
		await expect(
			registerCandidate(h.db, actor, a.id, {
				candidate_number: '42',
				first_name: 'C',
				last_name: 'D'
			})
		).rejects.toThrow('Candidate number 0042 is already registered at this centre');
	});
	it('centre roles need a centre; cross-centre roles have none', async () => {
		await expect(
			createStaffAccount(h.db, actor, {
				email: 'inv@example.test',
				display_name: 'I',
				password: 'long enough password',
				role: 'invigilator'
			})
		).rejects.toBeInstanceOf(ValidationError);
		const c = await makeCentre(h.db);
		const m = await makeStaff(h.db, 'marker', c.id);
		const row = await h.db
			.selectFrom('membership')
			.selectAll()
			.where('user_id', '=', m.id)
			.executeTakeFirstOrThrow();
		expect(row.centre_id).toBeNull();
	});
});

describe('CSV import', () => {
	it('saves nothing when one row is bad, and names the row', async () => {
		const c = await makeCentre(h.db);
		const result = await importCandidates(
			h.db,
			actor,
			c.id,
			[
				{ candidate_number: '10', first_name: 'A', last_name: 'B' },
				{ candidate_number: '11', first_name: 'C', last_name: 'D', extra_time_percent: '33' },
				{ candidate_number: '12', first_name: 'E', last_name: 'F' }
			],
			'class.csv'
		);
		expect(result.ok).toBe(false);
		if (!result.ok)
			expect(result.errors).toEqual([
				{
					row: 3,
					column: 'extra_time_percent',
					message: expect.stringContaining('Extra time must be one of')
				}
			]);
		expect(await listCandidates(h.db, c.id)).toEqual([]);
	});
	it('saves every row of a good file and audits the import', async () => {
		const c = await makeCentre(h.db);
		const result = await importCandidates(
			h.db,
			actor,
			c.id,
			[
				{
					candidate_number: '20',
					first_name: 'A',
					last_name: 'B',
					extra_time_percent: '25',
					rest_breaks: 'yes'
				},
				{ candidate_number: '21', first_name: 'C', last_name: 'D' }
			],
			'good.csv'
		);
		expect(result).toEqual({ ok: true, count: 2 });
		const rows = await listCandidates(h.db, c.id);
		expect(rows.map((r) => [r.candidate_number, r.extra_time_percent, r.rest_breaks])).toEqual([
			['0020', 25, true],
			['0021', 0, false]
		]);
		const audit = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'candidate.import_csv')
			.where('centre_id', '=', c.id)
			.execute();
		expect(audit).toHaveLength(1);
		expect(audit[0]!.details).toMatchObject({ file: 'good.csv', count: 2 });
	});
	it('refuses a row that repeats an already-registered number', async () => {
		const c = await makeCentre(h.db);
		await registerCandidate(h.db, actor, c.id, {
			candidate_number: '30',
			first_name: 'A',
			last_name: 'B'
		});
		const result = await importCandidates(
			h.db,
			actor,
			c.id,
			[{ candidate_number: '30', first_name: 'X', last_name: 'Y' }],
			'dup.csv'
		);
		expect(result).toEqual({
			ok: false,
			errors: [
				{
					row: 2,
					column: 'candidate_number',
					message: 'Candidate number 0030 is already registered at this centre'
				}
			]
		});
	});
});

describe('access arrangements', () => {
	it('are updated and the change is audited with before and after', async () => {
		const c = await makeCentre(h.db);
		const cand = await registerCandidate(h.db, actor, c.id, {
			candidate_number: '40',
			first_name: 'A',
			last_name: 'B'
		});
		await updateArrangements(h.db, actor, c.id, cand.id, {
			extra_time_percent: '25',
			rest_breaks: true,
			arrangement_notes: 'Needs a quiet room'
		});
		const after = await getCandidate(h.db, c.id, cand.id);
		expect([after.extra_time_percent, after.rest_breaks, after.arrangement_notes]).toEqual([
			25,
			true,
			'Needs a quiet room'
		]);
		const entry = await h.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'candidate.update_arrangements')
			.where('subject_id', '=', cand.id)
			.executeTakeFirstOrThrow();
		expect(entry.details).toMatchObject({
			before: { extra_time_percent: 0 },
			after: { extra_time_percent: 25 }
		});
	});
	it('refuse a bad extra-time value and change nothing', async () => {
		const c = await makeCentre(h.db);
		const cand = await registerCandidate(h.db, actor, c.id, {
			candidate_number: '41',
			first_name: 'A',
			last_name: 'B',
			extra_time_percent: '10'
		});
		await expect(
			updateArrangements(h.db, actor, c.id, cand.id, { extra_time_percent: '12' })
		).rejects.toBeInstanceOf(ValidationError);
		expect((await getCandidate(h.db, c.id, cand.id)).extra_time_percent).toBe(10);
	});
});

describe('two people registering the same thing at the same moment', () => {
	// On PostgreSQL the test's pool has several connections, so these really run at once; the
	// database's unique constraints decide, and the loser gets a form error, never a 500.
	it('one registration of a candidate number wins; the others are told it is taken', async () => {
		const a = await makeCentre(h.db);
		const results = await Promise.allSettled(
			Array.from({ length: 6 }, (_, i) =>
				registerCandidate(h.db, actor, a.id, {
					candidate_number: '0077',
					first_name: `Twin${i}`,
					last_name: 'Race'
				})
			)
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
			expect(r.reason).toBeInstanceOf(ValidationError);
			expect((r.reason as ValidationError).issues).toEqual([
				{ field: 'candidate_number', message: 'Already registered' }
			]);
		}
		expect(
			(await listCandidates(h.db, a.id)).filter((c) => c.candidate_number === '0077')
		).toHaveLength(1);
	});
	it('one staff account per email, and one centre per number', async () => {
		const { createCentre } = await import('../../src/lib/server/centres/centres.js');
		const accounts = await Promise.allSettled(
			Array.from({ length: 4 }, () =>
				createStaffAccount(h.db, actor, {
					email: 'same.person@example.test',
					display_name: 'Same Person',
					password: 'a long enough password',
					role: 'marker'
				})
			)
		);
		expect(accounts.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		for (const r of accounts)
			if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ValidationError);
		const centres = await Promise.allSettled(
			Array.from({ length: 4 }, () =>
				createCentre(h.db, actor, { number: '654321', name: 'Raced Centre' })
			)
		);
		expect(centres.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		for (const r of centres)
			if (r.status === 'rejected')
				expect((r.reason as ValidationError).message).toBe(
					'Centre number 654321 is already in use'
				);
	});
});
