import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paperItems } from '../../src/lib/domain/paper.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { e2e, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

let browser: Browser;
let context: BrowserContext;
let page: Page;
const bank = loadBank(e2e().bankDir);

beforeAll(async () => {
	browser = await launchBrowser();
	context = await newContext(browser);
	page = await context.newPage();
	await signInAs(page, 'awarding_admin');
});
afterAll(async () => {
	await browser?.close();
});

describe('question papers (awarding administrator)', () => {
	it('lists every paper of the bank with its unit, kind, version and marks', async () => {
		await page.goto('/admin/papers');
		await expectAccessible(page);
		for (const { paper } of bank.papers) {
			const row = page.locator('tbody tr', {
				has: page.getByRole('link', { name: paper.code, exact: true })
			});
			const text = await row.textContent();
			expect(text).toContain(paper.unit);
			expect(text).toContain(paper.kind);
			expect(text).toContain('v1');
		}
		expect(await page.locator('tbody tr').count()).toBe(bank.papers.length);
	});

	for (const { paper } of bank.papers) {
		it(`previews ${paper.code} as a candidate sees it, and shows its grid`, async () => {
			const items = paperItems(paper);
			await page.goto(`/admin/papers/${paper.code}/preview`);
			await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
				paper.title
			);
			for (const item of [items[0]!, items[items.length - 1]!]) {
				expect(
					await page.getByLabel(`Answer to question ${item.label}`, { exact: true }).count()
				).toBe(1);
			}
			expect(await page.locator('textarea').count()).toBe(items.length);
			if (paper.case_study)
				expect(await page.getByRole('heading', { name: 'Case study' }).count()).toBe(1);
			await expectAccessible(page);

			await page.goto(`/admin/papers/${paper.code}/grid`);
			expect(await page.getByRole('heading', { level: 2 }).count()).toBe(items.length);
			await expectAccessible(page);
		});
	}

	it('edits boundaries (audited) and refuses impossible ones with a message', async () => {
		const { paper } = bank.papers[0]!;
		await page.goto(`/admin/papers/${paper.code}`);
		await expectAccessible(page);
		await page.getByLabel(/Pass mark/).fill(String(paper.boundaries.first_class + 1));
		await page.getByRole('button', { name: 'Save boundaries' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'The pass mark must be more than 0 and less than the first class mark'
		);
		// Something that is not a number gets plain words too (it said "Invalid input: expected number, received NaN").
		await page.getByLabel(/Pass mark/).fill('abc');
		await page.getByRole('button', { name: 'Save boundaries' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'Pass mark must be a whole number'
		);
		expect(await page.locator('main').textContent()).not.toContain('NaN');
		await page.getByLabel(/Pass mark/).fill(String(paper.boundaries.pass - 1));
		await page.getByLabel('First class pass mark').fill(String(paper.boundaries.first_class));
		await page.getByRole('button', { name: 'Save boundaries' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain('Boundaries saved');
		expect(await page.locator('table').last().textContent()).toContain(
			`${paper.boundaries.pass - 1} / ${paper.boundaries.first_class}`
		);
		await page.goto('/admin/audit');
		expect(await page.locator('tbody tr').first().textContent()).toContain(
			'Grade boundaries changed'
		);
	});
});
