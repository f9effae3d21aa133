import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_RESULT_CANDIDATES, DEMO_RESULTS_PAPER } from '../../src/cli/demo/released-results.js';
import { CODE_NAMES, type PerformanceCode } from '../../src/lib/domain/codes.js';
import { RESULT_CSV_COLUMNS } from '../../src/lib/server/reports/results-csv.js';
import { readPdf, type PdfPage } from '../helpers/pdf-text.js';
import { e2e, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * The centre administrator's results downloads, in Chromium against the built app. The results
 * are the demo's (`npm start` on an empty database runs a sitting of 8992-112-A a week ago through
 * the real services and the awarding body releases it: src/cli/demo/released-results.ts), so this
 * spec needs no other spec's data. The CSV and the merged PDF are parsed and held against the
 * results page (rendered from the database) and, when the run is on PostgreSQL, against the
 * database itself.
 */
let browser: Browser;
let context: BrowserContext;
let admin: Page;
let centreHome = '';
let resultsUrl = '';

interface PageRow {
	number: string;
	name: string;
	outcome: string;
	total: string;
	codes: string;
}

beforeAll(async () => {
	browser = await launchBrowser();
	context = await newContext(browser);
	admin = await context.newPage();
	await signInAs(admin, 'centre_admin');
	centreHome = new URL(admin.url()).pathname;
});
afterAll(async () => {
	await context?.close();
	await browser?.close();
});

/** The candidates' table on the results page, as the administrator reads it. */
async function pageRows(page: Page): Promise<PageRow[]> {
	return page.locator('table tbody tr').evaluateAll((trs) =>
		trs.map((tr) => {
			const td = [...tr.querySelectorAll('td')].map((c) => (c.textContent ?? '').trim());
			return { number: td[0]!, name: td[1]!, outcome: td[2]!, total: td[3]!, codes: td[4]! };
		})
	);
}

describe('results a centre has not been given', () => {
	it('a sitting whose results are not released says so and shows no grade', async () => {
		await admin.goto(`${centreHome}/sittings`);
		// The demo's sitting ready to start (Room 1) has no results.
		const href = await admin
			.locator('tbody tr')
			.filter({ has: admin.getByRole('cell', { name: 'Room 1', exact: true }) })
			.first()
			.locator('a')
			.getAttribute('href');
		await admin.goto(`${href}/results`);
		await expect(admin.getByRole('status').textContent()).resolves.toContain(
			'Results not yet released'
		);
		const main = (await admin.locator('main').textContent())!;
		for (const word of ['First Class Pass', 'Fail', 'Download results'])
			expect(main).not.toContain(word);
		expect(await admin.locator('table').count()).toBe(0);
		await expectAccessible(admin);
	});
});

describe('released results', () => {
	let rows: PageRow[] = [];

	it('the results index lists the released sitting; its page shows each candidate and the grade distribution chart', async () => {
		await admin.goto(centreHome);
		await admin
			.getByRole('navigation', { name: 'Centre' })
			.getByRole('link', { name: 'Results' })
			.click();
		await admin.waitForURL(`**${centreHome}/results`);
		await expectAccessible(admin);
		// The week-old sitting of the paper in Room 2 (the demo also keeps a released result of the same
		// paper in Room 4, for reviews of marking).
		const sittingRow = () =>
			admin.locator('tbody tr', { hasText: DEMO_RESULTS_PAPER }).filter({ hasText: 'Room 2' });
		const listed = sittingRow();
		expect(await listed.count()).toBe(1);
		// A date range that leaves the sitting out, then one that holds it.
		await admin.getByLabel('From (first day)').fill('2020-01-01');
		await admin.getByLabel('To (last day)').fill('2020-01-31');
		await admin.getByRole('button', { name: 'Show results' }).click();
		await admin.waitForURL(/from=2020-01-01/);
		await expect(admin.locator('tbody').textContent()).resolves.toContain(
			'No released results for sittings in these dates'
		);
		await admin.getByLabel('To (last day)').fill('2099-12-31');
		await admin.getByRole('button', { name: 'Show results' }).click();
		await admin.waitForURL(/to=2099-12-31/);
		await sittingRow().locator('a').click();
		await admin.waitForURL(/\/sittings\/[0-9a-f-]{36}\/results$/);
		resultsUrl = new URL(admin.url()).pathname;
		await expectAccessible(admin);

		rows = await pageRows(admin);
		expect(rows.map((r) => r.number)).toEqual(
			DEMO_RESULT_CANDIDATES.map((c) => c.candidate_number)
		);
		expect(rows.map((r) => r.name)).toEqual(
			DEMO_RESULT_CANDIDATES.map((c) => `${c.last_name}, ${c.first_name}`)
		);
		expect(rows.find((r) => r.number === '0105')!.outcome).toBe('Absent');
		expect(rows.find((r) => r.number === '0106')!.outcome).toBe('Void');
		expect(rows.filter((r) => r.outcome === 'Fail').every((r) => r.codes !== '–')).toBe(true);

		// The chart: an image named by its heading and the distribution in words, with a bar per outcome.
		const chart = admin.getByRole('img', { name: /Grade distribution/ });
		const name = (await chart.getAttribute('aria-labelledby'))!.split(' ');
		const summary = (await admin.locator(`#${name[1]}`).textContent())!;
		const count = (o: string) => rows.filter((r) => r.outcome === o).length;
		expect(summary).toContain(`${rows.length} candidates`);
		for (const o of ['First Class Pass', 'Pass', 'Fail', 'Absent', 'Void']) {
			if (count(o) > 0) expect(summary).toContain(`${count(o)} ${o} (`);
		}
		expect(await chart.locator('rect').count()).toBe(5);
	});

	it('downloads the CSV: one row per candidate, as on the page and in the database, formula-safe, UTF-8 with a BOM', async () => {
		const [download] = await Promise.all([
			admin.waitForEvent('download'),
			admin.getByRole('link', { name: 'Download results (CSV)' }).click()
		]);
		expect(download.suggestedFilename()).toMatch(/^results-8992-112-A-\d{4}-\d\d-\d\d\.csv$/);
		const bytes = readFileSync((await download.path())!);
		expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const [header, ...csv] = parseCsv(bytes, { bom: true }) as string[][];
		expect(header).toEqual([...RESULT_CSV_COLUMNS]);
		expect(csv).toHaveLength(rows.length);
		expect(
			csv.map((r) => ({
				number: r[1],
				name: `${r[2]}, ${r[3]}`,
				outcome: r[10] || r[9],
				total: r[11] || '–',
				codes: r[12] || '–'
			}))
		).toEqual(rows);
		for (const r of csv) {
			expect(r[0]).toBe('900001');
			expect(r.slice(5, 8)).toEqual(['8992-12', '8992-112', DEMO_RESULTS_PAPER]);
			expect(r[13]).toBe('1');
		}
		const dbRows = await fromDatabase();
		// On PostgreSQL the database itself is compared (PGlite is held by the app process alone).
		expect(dbRows !== null).toBe(Boolean(process.env.DATABASE_URL));
		if (dbRows) {
			expect(csv.map((r) => [r[1], r[9], r[10], r[11], r[12], r[13]])).toEqual(
				dbRows.map((d) => [
					d.candidate_number,
					{ graded: 'Graded', absent: 'Absent', void: 'Void' }[
						d.status as 'graded' | 'absent' | 'void'
					],
					d.grade ?? '',
					d.total === null ? '' : String(d.total),
					d.codes.join(' '),
					String(d.version)
				])
			);
		}
	});

	it('downloads the merged PDF: a page per candidate with their result and, for a fail, each code in the handbook’s words', async () => {
		const href = (await admin
			.getByRole('link', { name: 'All result slips (PDF)' })
			.getAttribute('href'))!;
		const res = await context.request.get(href);
		expect(res.status()).toBe(200);
		expect(res.headers()['content-type']).toBe('application/pdf');
		const pages = await readPdf(new Uint8Array(await res.body()));
		expect(pages).toHaveLength(rows.length);
		const lines = (p: PdfPage) => p.lines.map((l) => l.text);
		const dbRows = await fromDatabase();
		pages.forEach((p, i) => {
			const row = rows[i]!;
			const demo = DEMO_RESULT_CANDIDATES[i]!;
			const text = lines(p);
			expect(text).toContain('City & Guilds Level 2 Award in Customer Service');
			expect(text).toContain('Regulatory number 500/3681/6');
			expect(text).toContain('Unit 8992-112 Level 2 Principles of Customer Service');
			expect(text).toContain('Credit value 8');
			expect(text).toContain(`Candidate ${demo.first_name} ${demo.last_name}`);
			expect(text).toContain(`Candidate number ${row.number}`);
			expect(text).toContain('Centre 900001 Demo Training Centre');
			expect(text).toContain(`Result ${row.outcome}`);
			const codes = row.codes === '–' ? [] : row.codes.split(' ');
			for (const code of codes)
				expect(text).toContain(`${code} ${CODE_NAMES[code as PerformanceCode]}`);
			expect(text.includes('Performance codes')).toBe(codes.length > 0);
			if (dbRows) expect(codes).toEqual(dbRows[i]!.codes);
			expect(text.at(-1)).toBe(`Result slip – page ${i + 1} of ${rows.length}`);
		});
		// One candidate's own slip, from the table's link.
		const slip = await context.request.get(
			(await admin.getByRole('link', { name: /Slip for 0103/ }).getAttribute('href'))!
		);
		expect(slip.headers()['content-disposition']).toBe(
			'inline; filename="result-slip-8992-112-A-0103.pdf"'
		);
		expect(await readPdf(new Uint8Array(await slip.body()))).toHaveLength(1);
	});
});

/** The sitting's current results straight from PostgreSQL, by candidate number; null on PGlite (the app holds it). */
async function fromDatabase() {
	const url = e2e().databaseUrl;
	if (!url) return null;
	const sittingId = resultsUrl.split('/').at(-2)!;
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	try {
		const r = await c.query<{
			candidate_number: string;
			status: string;
			grade: string | null;
			total: number | null;
			codes: string[];
			version: number;
		}>(
			`select distinct on (a.id) c.candidate_number, r.status, r.grade, r.total, r.codes, r.version
			   from result r join attempt a on a.id = r.attempt_id join candidate c on c.id = a.candidate_id
			  where a.sitting_id = $1 order by a.id, r.version desc`,
			[sittingId]
		);
		return r.rows.sort((a, b) => a.candidate_number.localeCompare(b.candidate_number));
	} finally {
		await c.end();
	}
}
