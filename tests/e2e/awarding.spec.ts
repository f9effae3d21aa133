import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AWARDING_DEMO, demoMarks } from '../../src/cli/demo/awarding.js';
import { paperItems } from '../../src/lib/domain/paper.js';
import { gradeChanges, gradeCounts } from '../../src/lib/domain/results.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { e2e, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * The awarding administrator awards the demo's marked sitting (npm start seeds it: 24 candidates of
 * centre 900002 sat 8992-113-B, one absent, every script marked by the demo marker, results
 * computed). The app runs on its own database, so the expected numbers come from what the demo wrote:
 * each candidate's marks (demoMarks) summed, graded with the paper's boundaries.
 */
const CODE = AWARDING_DEMO.paperCode;
const paper = loadBank(e2e().bankDir).papers.find((p) => p.paper.code === CODE)!.paper;
const items = paperItems(paper);
const totals = Array.from({ length: AWARDING_DEMO.candidates }, (_, i) => i)
	.filter((i) => !AWARDING_DEMO.absent.includes(i))
	.map((i) =>
		Object.values(demoMarks(i, AWARDING_DEMO.candidates, items)).reduce((s, m) => s + m, 0)
	);
const from = { pass: paper.boundaries.pass, firstClass: paper.boundaries.first_class };

let browser: Browser;
let page: Page;
beforeAll(async () => {
	browser = await launchBrowser();
	page = await (await newContext(browser)).newPage();
	await signInAs(page, 'awarding_admin');
});
afterAll(async () => {
	await browser?.close();
});

async function gradeCountsShown() {
	const rows = await page.locator('#grade-counts tbody tr td').allTextContents();
	return { Fail: Number(rows[0]), Pass: Number(rows[1]), 'First Class Pass': Number(rows[2]) };
}

async function boundaryMarks() {
	const svg = page.getByTestId('histogram');
	return {
		pass: Number(await svg.locator('line[data-boundary="pass"]').getAttribute('data-mark')),
		firstClass: Number(
			await svg.locator('line[data-boundary="first_class"]').getAttribute('data-mark')
		)
	};
}

describe('awarding (awarding administrator)', () => {
	it('finds the marked paper from the admin home, with its results computed', async () => {
		await page.goto('/admin');
		await page.getByRole('link', { name: 'Awarding', exact: true }).click();
		await page.waitForURL('**/admin/awarding');
		await expectAccessible(page);
		const row = page.locator('tbody tr', {
			has: page.getByRole('link', { name: new RegExp(CODE) })
		});
		expect(await row.textContent()).toContain('Computed, awaiting approval');
		await row.getByRole('link').click();
		await page.waitForURL(`**/admin/papers/${CODE}/awarding?version=1`);
	});

	it('shows what happened in the sitting before approval: the incident the invigilator logged', async () => {
		await page.getByRole('heading', { name: 'What happened in each sitting' }).waitFor();
		const record = page.locator('.sitting-record').first();
		expect(await record.getByTestId('record-summary').textContent()).toContain(
			'Incident logged: 1'
		);
		const row = record.locator('tbody tr').first();
		expect(await row.textContent()).toContain('Whole room');
		expect(await row.textContent()).toContain('Fire alarm test sounded');
		await expectAccessible(page);
	});

	it('shows the distribution as a chart with both boundaries, and the same numbers as text', async () => {
		await expectAccessible(page);
		expect(await page.locator('#defaults-note').textContent()).toMatch(
			/this system's own choices, not the City & Guilds handbook's/
		);
		expect(await page.locator('#awarding-state').textContent()).toContain(
			'Results computed, not yet approved'
		);

		const svg = page.getByTestId('histogram');
		expect(await svg.getAttribute('role')).toBe('img');
		expect(await boundaryMarks()).toEqual(from);
		expect(await svg.locator('text').allTextContents()).toEqual(
			expect.arrayContaining([`Pass ${from.pass}`, `First class ${from.firstClass}`])
		);
		const expected = new Map<number, number>();
		for (const t of totals) expected.set(t, (expected.get(t) ?? 0) + 1);
		const bars = await svg
			.locator('rect.bar')
			.evaluateAll((rs) =>
				rs.map((r) => [
					Number(r.getAttribute('data-mark')),
					Number(r.getAttribute('data-count')),
					Number(r.getAttribute('height'))
				])
			);
		expect(new Map(bars.map(([m, c]) => [m!, c!]))).toEqual(expected);
		for (const [, , height] of bars) expect(height).toBeGreaterThan(0);

		// The text alternative: a table of marks → candidates, the one-line summary, the grade counts.
		const table = await page
			.locator('#marks-table tbody tr')
			.evaluateAll((rows) =>
				rows.map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent)))
			);
		expect(new Map(table.map(([m, c]) => [m!, c!]))).toEqual(expected);
		const summary = await page.locator('#chart-summary').textContent();
		expect(summary).toContain(
			`${totals.length} candidates graded, marks ${Math.min(...totals)} to ${Math.max(...totals)} of ${items.reduce((s, i) => s + i.marks, 0)}`
		);
		expect(await gradeCountsShown()).toEqual(gradeCounts(totals, from));
		// The marking table: one sitting, 23 scripts, nothing left to mark.
		expect(
			await page
				.locator('table')
				.first()
				.locator('tbody tr')
				.first()
				.locator('td')
				.allTextContents()
		).toEqual(expect.arrayContaining(['900002 Demo Evening College', '23', '0', 'Computed']));
	});

	it('previews a boundary move (nothing saved), then saves it', async () => {
		const to = { pass: from.pass + 2, firstClass: from.firstClass - 1 };
		const changes = gradeChanges(totals, from, to);
		expect(changes.changed).toBeGreaterThan(0);
		await page.getByLabel(/Pass mark/).fill(String(to.pass));
		await page.getByLabel('First class pass mark').fill(String(to.firstClass));
		await page.getByRole('button', { name: 'Preview the change' }).click();
		const preview = page.locator('#preview');
		await preview.waitFor();
		expect(await preview.textContent()).toContain(
			`changes the grade of ${changes.changed} candidate${changes.changed === 1 ? '' : 's'}: ${changes.up} up, ${changes.down} down`
		);
		await expectAccessible(page);
		// Not saved: the chart and the counts still show the old boundaries; the form keeps what was typed.
		expect(await boundaryMarks()).toEqual(from);
		expect(await gradeCountsShown()).toEqual(gradeCounts(totals, from));
		expect(await page.getByLabel(/Pass mark/).inputValue()).toBe(String(to.pass));

		// An impossible move is refused in plain words, on the form.
		await page.getByLabel(/Pass mark/).fill('abc');
		await page.getByRole('button', { name: 'Preview the change' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'Pass mark must be a whole number'
		);
		await expectAccessible(page);

		await page.getByLabel(/Pass mark/).fill(String(to.pass));
		await page.getByRole('button', { name: 'Save boundaries' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'Boundaries saved'
		);
		expect(await boundaryMarks()).toEqual(to);
		expect(await gradeCountsShown()).toEqual(gradeCounts(totals, to));
		await expectAccessible(page);
		from.pass = to.pass;
		from.firstClass = to.firstClass;
	});

	it('approves only when ticked to confirm; the boundaries are then read-only', async () => {
		await page.getByRole('button', { name: 'Approve results' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'Tick the box to confirm you are approving these results'
		);
		await expectAccessible(page);
		await page.getByLabel(/approve these results/).check();
		await page.getByRole('button', { name: 'Approve results' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'Results of 1 sitting approved'
		);
		expect(await page.locator('#awarding-state').textContent()).toMatch(
			/Results approved[\s\S]*Approved on .* by Alex Awarding/
		);
		expect(await page.locator('#boundaries-locked').textContent()).toContain(
			`pass ${from.pass}, first class ${from.firstClass}`
		);
		expect(await page.getByLabel(/Pass mark/).count()).toBe(0);
		expect(
			await page.getByRole('button', { name: /Save boundaries|Approve results/ }).count()
		).toBe(0);
		await expectAccessible(page);
	});

	it('releases the approved results; each step is in the audit log', async () => {
		await page.getByLabel(/Release these results/).check();
		await page.getByRole('button', { name: 'Release results' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'Results of 1 sitting released to centres and candidates'
		);
		expect(await page.locator('#awarding-state').textContent()).toMatch(
			/Results released to centres and candidates[\s\S]*Released on .* by Alex Awarding/
		);
		expect(await page.getByRole('button', { name: 'Release results' }).count()).toBe(0);
		await expectAccessible(page);

		await page.goto('/admin/awarding');
		expect(await page.locator('tbody tr', { hasText: CODE }).textContent()).toContain(
			'Released (boundaries locked)'
		);
		await page.goto('/admin/audit');
		const log = (await page.locator('tbody tr').allTextContents()).slice(0, 10).join('\n');
		for (const action of ['Results released', 'Results approved', 'Grade boundaries changed'])
			expect(log).toContain(action);
	});
});
