import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookingTime,
	candidateSignIn,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs
} from './browser.js';

/*
 * Practice papers and mocks in real Chromium: the centre administrator reads a practice paper and
 * its grid, books it as a mock for a candidate this file registers (4001), the candidate sits it
 * like any exam (the e2e bank's 8992-904-P: no reading time; items 1, 2, 3(a) points, 3(b) levels,
 * 5 marks each; pass 12, first class 16), and the administrator marks it against the grid and sees
 * the indicative grade. A live paper's grid stays out of reach.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Page;
let invigilator: Page;
let cand: Page;
let centreHome = '';
let sittingUrl = '';

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

beforeAll(async () => {
	browser = await launchBrowser();
	admin = await page();
	invigilator = await page();
	cand = await page();
	await signInAs(admin, 'centre_admin');
	centreHome = new URL(admin.url()).pathname;
	await signInAs(invigilator, 'invigilator');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('practice papers and mocks', () => {
	it("the centre opens a practice paper with its marking grid; a live paper's grid is not found", async () => {
		await admin.getByRole('link', { name: 'Practice papers' }).click();
		await admin.getByRole('heading', { name: 'Practice papers' }).waitFor();
		expect(await admin.getByRole('link', { name: '8992-111-P' }).count()).toBe(1);
		// Only practice papers are listed: no live paper's code.
		expect(await admin.getByRole('link', { name: '8992-111-A' }).count()).toBe(0);
		await expectAccessible(admin);
		await admin.getByRole('link', { name: '8992-904-P' }).click();
		await admin.getByRole('heading', { name: 'Marking grid', exact: true }).waitFor();
		await admin.getByRole('heading', { name: 'Case study' }).waitFor();
		expect(await admin.locator('.grid-points li', { hasText: 'point 1' }).count()).toBeGreaterThan(
			0
		);
		await expectAccessible(admin);

		const live = await admin.goto(`${centreHome}/practice/8992-901-T`);
		expect(live?.status()).toBe(404);
		expect(await admin.locator('.grid-points').count()).toBe(0);
	});

	it('the centre books the practice paper as a mock; booking a live paper as a mock is refused with the reason', async () => {
		await admin.goto(`${centreHome}/candidates`);
		await admin.getByLabel('Candidate number').fill('4001');
		await admin.getByLabel('First name').fill('Maya');
		await admin.getByLabel('Last name').fill('Mockford');
		await admin.getByRole('button', { name: 'Register candidate' }).click();
		await waitText(admin.getByRole('status'), '4001 Maya Mockford');

		const book = async (paper: string) => {
			await admin.goto(`${centreHome}/sittings`);
			await admin.getByLabel(/Mock \(a practice exam/).check();
			await admin.getByLabel('Paper').selectOption(paper);
			await admin.getByLabel('Date and time').fill(bookingTime(0));
			await admin.getByLabel('Room').fill('Room Mock');
			await admin.getByLabel(/Indra Invigilator/).check();
			await admin.getByLabel(/4001 Maya Mockford/).check();
			await admin.getByRole('button', { name: 'Book sitting' }).click();
		};
		await book('8992-901-T');
		await waitText(admin.locator('#paper-error'), 'A mock uses a practice paper');
		expect(await admin.getByLabel('Paper').getAttribute('aria-describedby')).toBe('paper-error');
		await expectAccessible(admin);

		await book('8992-904-P');
		await admin.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
		sittingUrl = new URL(admin.url()).pathname;
		await admin.getByRole('heading', { name: /8992-904-P.*\(mock\)/ }).waitFor();
		await expectAccessible(admin);
	});

	it('the candidate sits the mock exactly as an exam: sign-in with the keycode, answers, submit', async () => {
		const keycode = (await admin.locator('.reference').textContent())!.trim();
		await candidateSignIn(cand, '4001', keycode);
		await invigilator.goto(`/invigilate/${sittingUrl.split('/').pop()}`);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(invigilator.locator('tbody tr', { hasText: 'Maya Mockford' }), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await cand.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 10_000 }
		);
		// Question 2 is left blank (it scores 0); the others are marked above 0, so they are written.
		await cand
			.getByLabel('Answer to question 1', { exact: true })
			.fill('Members of the public and businesses.');
		await cand.getByLabel('Answer to question 3(a)', { exact: true }).fill('Trust and loyalty.');
		await cand
			.getByLabel('Answer to question 3(b)', { exact: true })
			.fill('Listen, apologise and put it right.');
		await waitText(cand.getByRole('status'), /All answers saved/);
		await cand.getByRole('button', { name: 'Review and submit' }).first().click();
		await cand.getByLabel(/I have finished/).check();
		await cand.getByRole('button', { name: 'Submit exam' }).click();
		await cand
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 10_000 });
	});

	it('the centre marks the mock against the grid: a mark over the maximum is refused; the total and indicative grade are labelled "Mock – not a result"', async () => {
		await admin.goto(`${sittingUrl}/mock`);
		await admin.getByRole('heading', { name: /Mark the mock/ }).waitFor();
		await expectAccessible(admin);
		await admin.getByRole('link', { name: 'Maya Mockford' }).click();
		await admin.getByText('Members of the public and businesses.').waitFor();

		await admin.getByLabel('Mark for question 1 (0 to 5)').fill('7');
		await admin.getByRole('button', { name: 'Save mark for question 1' }).click();
		await waitText(admin.locator('#mark-1-error'), 'This item is worth at most 5 marks');
		expect(
			await admin.getByLabel('Mark for question 1 (0 to 5)').getAttribute('aria-invalid')
		).toBe('true');
		await expectAccessible(admin);

		for (const [label, mark] of [
			['1', '5'],
			['2', '0'],
			['3(a)', '3'],
			['3(b)', '5']
		] as const) {
			await admin.getByLabel(`Mark for question ${label} (0 to 5)`).fill(mark);
			await admin.getByRole('button', { name: `Save mark for question ${label}` }).click();
			await waitText(admin.getByRole('status'), `Mark saved for question ${label}: ${mark} mark`);
		}
		const summary = admin.locator('.mock-result');
		await waitText(summary, 'Mock – not a result');
		await waitText(summary, /Total: 13 of 20 · 4 of 4 questions marked · Indicative grade: Pass/);
		await expectAccessible(admin);

		await admin.goto(`${sittingUrl}/mock`);
		await waitText(
			admin.locator('tbody tr', { hasText: 'Maya Mockford' }),
			'Pass (Mock – not a result)'
		);
	});
});
