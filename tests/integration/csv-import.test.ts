import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeRowError } from '../../src/lib/domain/candidates.js';
import type { Actor } from '../../src/lib/server/audit/index.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import { listCandidates, registerCandidate } from '../../src/lib/server/centres/candidates.js';
import { EMPTY_FILE, parseCandidateCsv } from '../../src/lib/server/centres/csv.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ValidationError } from '../../src/lib/server/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre } from '../helpers/fixtures.js';

let h: DatabaseHandle;
const actor: Actor = { userId: null, label: 'centre-admin', ip: '127.0.0.1' };
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

/** What the upload form does: read the file, then import what could be read with the problems found. */
async function upload(centreId: string, text: string) {
	const parsed = parseCandidateCsv(text);
	if (!parsed.ok) return { ok: false as const, message: parsed.message, errors: parsed.errors };
	return importCandidates(
		h.db,
		actor,
		centreId,
		parsed.records,
		'class.csv',
		parsed.lines,
		parsed.errors
	);
}

describe('candidate numbers: four digits within a centre', () => {
	it('pads one to three digits, refuses letters and five digits, and lists by number', async () => {
		const c = await makeCentre(h.db);
		for (const n of ['12', '0003', '100'])
			await registerCandidate(h.db, actor, c.id, {
				candidate_number: n,
				first_name: 'A',
				last_name: n
			});
		for (const bad of ['ABC', '00007', 'C1', '12a']) {
			const err = await registerCandidate(h.db, actor, c.id, {
				candidate_number: bad,
				first_name: 'A',
				last_name: 'B'
			}).catch((e: unknown) => e);
			expect(err, bad).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues).toEqual([
				{ field: 'candidate_number', message: 'Candidate number must be four digits, e.g. 0042' }
			]);
		}
		// A record from before the rule stays readable and sorts after the numbers.
		await h.db
			.insertInto('candidate')
			.values({ centre_id: c.id, candidate_number: 'OLD7', first_name: 'Old', last_name: 'Record' })
			.execute();
		await h.db
			.insertInto('candidate')
			.values({ centre_id: c.id, candidate_number: '9', first_name: 'Old', last_name: 'Nine' })
			.execute();
		expect((await listCandidates(h.db, c.id)).map((r) => r.candidate_number)).toEqual([
			'0003',
			'9',
			'0012',
			'0100',
			'OLD7'
		]);
	});
});

describe('CSV import', () => {
	it('reads a semicolon-separated file with headers such as "Candidate Number"', async () => {
		const c = await makeCentre(h.db);
		const r = await upload(
			c.id,
			'Candidate Number;First Name;Last Name;Date of birth;Rest Breaks\n42;Ann;Lee;2008-01-02;yes\n7;Bo;Ng;;no\n'
		);
		expect(r).toEqual({ ok: true, count: 2 });
		expect(
			(await listCandidates(h.db, c.id)).map((x) => [
				x.candidate_number,
				x.first_name,
				x.rest_breaks
			])
		).toEqual([
			['0007', 'Bo', false],
			['0042', 'Ann', true]
		]);
	});

	it('reads a tab-separated file with upper-case headers', async () => {
		const c = await makeCentre(h.db);
		expect(await upload(c.id, 'CANDIDATE_NUMBER\tFIRST_NAME\tLAST_NAME\n0001\tAnn\tLee\n')).toEqual(
			{ ok: true, count: 1 }
		);
	});

	it('names the columns found and the ones expected when one is truly missing', async () => {
		const c = await makeCentre(h.db);
		const r = await upload(c.id, 'Number,First Name,Last Name\n1,A,B\n');
		expect(r.ok).toBe(false);
		if (r.ok || !('message' in r)) throw new Error('expected a header problem');
		expect(r.message).toContain('no candidate_number column');
		expect(r.message).toContain('"Number", "First Name", "Last Name"');
		expect(r.message).toContain('expected candidate_number, first_name, last_name');
	});

	it('says an empty file is empty', async () => {
		const c = await makeCentre(h.db);
		expect(await upload(c.id, '')).toMatchObject({ ok: false, message: EMPTY_FILE });
		expect(await upload(c.id, '\uFEFF\n  \n')).toMatchObject({ ok: false, message: EMPTY_FILE });
	});

	it('names the column in every row problem', async () => {
		const c = await makeCentre(h.db);
		const r = await upload(
			c.id,
			'candidate_number,first_name,last_name,rest_breaks,extra_time_percent\n1,A,B,maybe,0\n2,C,D,no,33\nXYZ,E,F,no,0\n'
		);
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.map(describeRowError)).toEqual([
			'Row 2, rest_breaks: must be yes or no, not "maybe"',
			'Row 3, extra_time_percent: Extra time must be one of 0, 10, 15, 25, 50, 100 (per cent), not "33"',
			'Row 4, candidate_number: Candidate number must be four digits, e.g. 0042'
		]);
		expect(await listCandidates(h.db, c.id)).toEqual([]);
	});

	it('reports a stray quote with its line and still checks the other rows, saving nothing', async () => {
		const c = await makeCentre(h.db);
		const r = await upload(
			c.id,
			'candidate_number,first_name,last_name\n0001,Ann,Lee\n0002,"Bo,Ng\n0003,Cy,\n0004,Di,Fox\n'
		);
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.map(describeRowError)).toEqual([
			'Row 3: a quote (") is opened and never closed',
			'Row 4, last_name: Last name is required'
		]);
		expect(await listCandidates(h.db, c.id)).toEqual([]);
	});

	it('reports rows with the wrong number of fields with the other rows’ problems', async () => {
		const c = await makeCentre(h.db);
		const r = await upload(
			c.id,
			'candidate_number,first_name,last_name\n0001,Ann\n0002,Bo,Ng,extra\n0003,,Fox\n'
		);
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.map((e) => e.row)).toEqual([2, 3, 4]);
		expect(r.errors[2]).toMatchObject({ column: 'first_name', message: 'First name is required' });
	});
});
