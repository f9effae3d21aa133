import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * Results after the exam day and a review of marking, end to end. The data is the demo's own
 * released result (npm start makes it on an empty database, through the real steps: a sitting of
 * 8992-112-A attended, ended, marked through recordMark by a demo marker of its own, computed, approved
 * and released): Farah Ali, candidate 0006, born 2003-04-05, a narrow fail. Her sitting has ended,
 * so its keycode no longer opens anything: she signs in with the access code the centre issues.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let centre: Page;
let candidatePage = '';
let accessCode = '';

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

async function candidateSignIn(p: Page, code: string) {
	await p.goto('/results');
	await p.getByLabel('Centre number').fill('900001');
	await p.getByLabel('Candidate number').fill('0006');
	await p.getByLabel('Date of birth').fill('2003-04-05');
	await p.getByLabel('Results access code').fill(code);
	await p.getByRole('button', { name: 'See my results' }).click();
}

beforeAll(async () => {
	browser = await launchBrowser();
	centre = await page();
	await signInAs(centre, 'centre_admin');
	await centre.goto(`${new URL(centre.url()).pathname}/candidates`);
	await centre.getByRole('link', { name: /Edit Farah Ali/ }).click();
	await centre.getByRole('heading', { name: /Farah Ali/ }).waitFor();
	candidatePage = new URL(centre.url()).pathname;
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('results and a review of marking', () => {
	it('the centre sees the released result, issues the access code and asks for a review with a reason', async () => {
		await expect
			.poll(() =>
				centre
					.getByText(/Fail<\/strong>|Fail/)
					.first()
					.isVisible()
			)
			.toBe(true);
		await expectAccessible(centre);
		// The reason is required: an inline error in plain words, nothing asked for.
		await centre.getByRole('button', { name: 'Ask for a review of marking' }).click();
		await centre.getByText('Give the reason for the review').first().waitFor();
		await centre
			.getByLabel('Reason for a review of marking')
			.fill('Question 2 answers were not credited for the methods of communication named.');
		await centre.getByRole('button', { name: 'Ask for a review of marking' }).click();
		await centre.getByText('Review of marking requested').waitFor();
		await centre.getByText('Asked for, waiting for a moderator').waitFor();

		await centre.getByRole('button', { name: 'Issue a results access code' }).click();
		accessCode = (await centre.getByTestId('access-code').textContent())!.trim();
		expect(accessCode).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
		await expectAccessible(centre);
	});

	it('the candidate signs in after the exam day and sees the fail with the areas to develop and the review under way', async () => {
		const cand = await page();
		await cand.goto('/results');
		await expectAccessible(cand);
		await candidateSignIn(cand, 'AAAA-BBBB-CCCC-DDDD');
		await cand.getByRole('alert').filter({ hasText: 'do not match our records' }).waitFor();
		await expectAccessible(cand);
		await candidateSignIn(cand, accessCode.toLowerCase());
		await cand.getByRole('heading', { name: 'Your results' }).waitFor();
		await cand.getByRole('heading', { name: 'Areas to develop' }).waitFor();
		const body = await cand.locator('main').textContent();
		expect(body).toContain('Fail');
		expect(body).toContain('Narrow fail');
		// The areas named are the paper's own (which ones depends on where the marks fell): at least
		// one area code with its words, beside the narrow fail.
		expect(body).toMatch(/F[L-S]: [A-Z][a-z]+/);
		expect(body).toContain('Asked for, waiting for a moderator');
		await expectAccessible(cand);
	});

	it('the awarding administrator assigns a moderator who did not mark it; the moderator re-marks and issues the outcome', async () => {
		const admin = await page();
		await signInAs(admin, 'awarding_admin');
		await admin.goto('/admin/reviews');
		await admin.getByRole('cell', { name: '900001' }).first().waitFor();
		await expectAccessible(admin);
		const select = admin.getByLabel(/Moderator for script/);
		expect(await select.locator('option').allTextContents()).toContain('Mo Moderator');
		await select.selectOption({ label: 'Mo Moderator' });
		await admin.getByRole('button', { name: 'Assign' }).click();
		await admin.getByText('Moderator assigned.').waitFor();

		const moderator = await page();
		await signInAs(moderator, 'moderator');
		await moderator.goto('/mark/reviews');
		await expectAccessible(moderator);
		await moderator.getByRole('link', { name: /^Script / }).click();
		await moderator.getByRole('heading', { name: /Review of marking: script/ }).waitFor();
		await expectAccessible(moderator);
		// Nothing on the page names the candidate or the centre.
		const text = (await moderator.locator('main').textContent()) ?? '';
		expect(text).not.toContain('Farah');
		expect(text).not.toContain('900001');
		// Full marks on every question: the grade changes.
		for (const set of await moderator.locator('fieldset').all()) {
			const legend = (await set.locator('legend').textContent()) ?? '';
			const marks = /\((\d+) marks\)/.exec(legend)![1]!;
			await set.getByLabel(/^Mark for question/).fill(marks);
		}
		await moderator.getByRole('button', { name: 'Save re-marks and issue the outcome' }).click();
		await moderator.getByText(/Outcome issued: The grade changed/).waitFor();
		await expectAccessible(moderator);
	});

	it('the centre sees the status and the outcome, and the candidate the new result with the old one kept', async () => {
		await centre.goto(candidatePage);
		await centre.getByText(/Finished: outcome sent to the centre and the candidate/).waitFor();
		expect(await centre.locator('main').textContent()).toContain('The grade changed');
		expect(await centre.locator('main').textContent()).toMatch(/Earlier versions: version 1: Fail/);
		await expectAccessible(centre);

		const cand = await page();
		await candidateSignIn(cand, accessCode);
		await cand.getByRole('heading', { name: 'Your results' }).waitFor();
		const body = (await cand.locator('main').textContent()) ?? '';
		expect(body).toMatch(/First Class Pass|Pass/);
		expect(body).toContain('The grade changed');
		expect(body).toMatch(/Version 1 \(Result issued\): Fail/);
		await expectAccessible(cand);
	});
});
