import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookingTime,
	e2e,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs
} from './browser.js';

/*
 * First marking in real Chromium: a sitting of the e2e bank's 8992-905-T (no reading time; items
 * 1, 2, 3(a) points, 3(b) levels) is booked, sat and ended through the app; the awarding
 * administrator allocates its scripts to the demo marker, who marks a whole script with the keyboard
 * alone. Counts are read from the pages, not assumed.
 */
const PAPER = '8992-905-T';
let browser: Browser;
const contexts: BrowserContext[] = [];
let centre: Page;
let invigilator: Page;
let admin: Page;
let marker: Page;
let scriptUrl = '';

const NAMES = ['Aisha', 'Khan', 'Chloe', 'Murphy', '900001', 'Room 4'];

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });

/** Presses Tab until the focused element matches; the test fails if it never does. */
async function tabTo(p: Page, describe: string, match: (el: Element) => boolean): Promise<void> {
	for (let i = 0; i < 100; i++) {
		await p.keyboard.press('Tab');
		if (
			await p.evaluate(
				(fn) => new Function('el', `return (${fn})(el)`)(document.activeElement),
				match.toString()
			)
		)
			return;
	}
	throw new Error(`Tab never reached ${describe}`);
}

const markFieldFocused = (p: Page) =>
	p.waitForFunction(() => document.activeElement?.id === 'mark', null, { timeout: 10_000 });

/** "3 of 7 scripts marked" on the marker's queue for the paper. */
async function progress(p: Page): Promise<{ marked: number; total: number; value: string | null }> {
	const label = p.locator('label', { hasText: /of \d+ scripts? marked/ }).first();
	const text = (await label.textContent()) ?? '';
	const m = /(\d+) of (\d+) scripts? marked/.exec(text)!;
	const bar = p.locator(`#${await label.getAttribute('for')}`);
	return { marked: Number(m[1]), total: Number(m[2]), value: await bar.getAttribute('value') };
}

beforeAll(async () => {
	browser = await launchBrowser();
	centre = await page();
	invigilator = await page();
	admin = await page();
	marker = await page();
	await signInAs(centre, 'centre_admin');
	await signInAs(invigilator, 'invigilator');
	await signInAs(admin, 'awarding_admin');
	await signInAs(marker, 'marker');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('first marking', () => {
	it('a sitting is sat and ended: its candidates’ scripts are ready for marking', async () => {
		await centre.getByRole('link', { name: 'Sittings' }).first().click();
		await centre.getByLabel('Paper').selectOption(PAPER);
		await centre.getByLabel('Date and time').fill(bookingTime());
		await centre.getByLabel('Room').fill('Room 4');
		await centre.getByLabel(/Indra Invigilator/).check();
		await centre.getByLabel(/0001 Aisha Khan/).check();
		await centre.getByLabel(/0003 Chloe Murphy/).check();
		await centre.getByRole('button', { name: 'Book sitting' }).click();
		await centre.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
		const keycode = (await centre.locator('.reference').textContent())!.trim();
		const sittingId = centre.url().split('/').pop()!;

		const [aisha, chloe] = [await page(), await page()];
		for (const [p, number] of [
			[aisha, '0001'],
			[chloe, '0003']
		] as const) {
			await p.goto('/candidate/signin');
			await p.getByLabel('Centre number').fill('900001');
			await p.getByLabel('Candidate number').fill(number);
			await p.getByLabel('Keycode').fill(keycode);
			await p.getByRole('button', { name: 'Start' }).click();
			await p.waitForURL('**/candidate/exam');
		}
		await invigilator.goto(`/invigilate/${sittingId}`);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(invigilator.locator('tbody tr', { hasText: 'Aisha Khan' }), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await aisha.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 80_000 }
		);
		// Every question is written on both scripts: the marker gives each a mark above 0, and a
		// blank answer scores 0.
		for (const [p, answers] of [
			[
				aisha,
				[
					'Members of the public, and other businesses such as suppliers.',
					'Telephone, email and face to face.',
					'Trust, so they come back.',
					'Listen, apologise, put it right and follow up.'
				]
			],
			[chloe, ['Shoppers.', 'Telephone and email.', 'Loyalty.', 'Say sorry and fix it.']]
		] as const) {
			for (const [n, label] of ['1', '2', '3(a)', '3(b)'].entries())
				await p.getByLabel(`Answer to question ${label}`, { exact: true }).fill(answers[n]!);
			await waitText(p.getByRole('status'), /All answers saved/);
		}
		invigilator.once('dialog', (d) => void d.accept());
		await invigilator.getByRole('button', { name: 'End the sitting' }).click();
		await aisha
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 10_000 });
	}, 150_000);

	it('the awarding administrator sees the paper’s scripts and allocates them, as whole scripts, to the marker', async () => {
		await admin.goto('/admin/marking');
		await expectAccessible(admin);
		const row = admin.locator('tbody tr', { hasText: PAPER });
		const cells = row.locator('td');
		const unallocated = Number(await cells.nth(2).textContent());
		expect(unallocated).toBeGreaterThanOrEqual(2);
		await row.getByRole('link').click();
		await admin.waitForURL(/\/admin\/marking\/[0-9a-f-]{36}$/);
		await expectAccessible(admin);
		await admin.getByLabel(/Morgan Marker/).check();
		await admin.getByLabel(/Whole scripts/).check();
		await admin.getByRole('button', { name: 'Allocate', exact: true }).click();
		await waitText(
			admin.getByRole('status'),
			new RegExp(`Allocated ${unallocated} scripts: Morgan Marker ${unallocated}\\.`)
		);
		await expectAccessible(admin);
		// Nothing identifies a candidate on the allocation page either.
		const html = await admin.content();
		for (const n of NAMES) expect(html).not.toContain(n);
	});

	it('a new marker is held at standardisation until the lead opens live marking on the paper', async () => {
		await marker.goto('/mark');
		await waitText(marker.locator('main'), /opens after standardisation/);
		// This spec is about first marking: the lead sets the paper to need no qualification seeds
		// (standardisation itself is quality.spec's).
		const lead = await page();
		await signInAs(lead, 'moderator');
		await lead.goto(`/mark/settings?paper=${PAPER}`);
		await lead.getByLabel(/Seeds in a row within tolerance to qualify/).fill('0');
		await lead.getByRole('button', { name: 'Save settings' }).click();
		await waitText(lead.getByRole('status'), 'Settings saved');
	});

	it('the marker starts marking from the queue and marks a whole script with the keyboard alone', async () => {
		await marker.goto('/mark');
		await expectAccessible(marker);
		const before = await progress(marker);
		expect(before.marked).toBeLessThan(before.total);

		await tabTo(
			marker,
			'Start marking',
			(el) => el.tagName === 'BUTTON' && /Start marking|Continue/.test(el.textContent ?? '')
		);
		await marker.keyboard.press('Enter');
		await marker.waitForURL(/\/mark\/scripts\/[0-9a-f-]{36}/);
		scriptUrl = marker.url().split('?')[0]!;
		await markFieldFocused(marker);
		await expectAccessible(marker);
		const text = await marker.content();
		for (const n of NAMES) expect(text).not.toContain(n);

		// Question 1 (5 marks): 9 is refused with the grid's reason; 3 is saved and the next question opens.
		expect(await marker.getByLabel('Mark for question 1', { exact: true }).count()).toBe(1);
		await marker.keyboard.type('9');
		await marker.keyboard.press('Enter');
		await waitText(marker.getByRole('alert'), 'Question 1: This item is worth at most 5 marks');
		await marker.keyboard.press('Backspace');
		await marker.keyboard.type('3');
		await marker.keyboard.press('Enter');
		await marker.getByLabel('Mark for question 2', { exact: true }).waitFor();
		await markFieldFocused(marker);
		await waitText(marker.locator('.script-total'), 'Script total: 3 of 20');

		// Question 2: f flags misinterpretation; a digit typed anywhere goes to the mark.
		await marker.keyboard.press('f');
		expect(await marker.getByLabel('Misinterpretation (FK)').isChecked()).toBe(true);
		await marker.keyboard.type('2');
		await marker.keyboard.press('Enter');
		await marker.getByLabel('Mark for question 3(a)', { exact: true }).waitFor();
		await markFieldFocused(marker);

		// Question 3(a): ? opens the shortcuts (focus inside), Escape closes them (focus back); c shows the case study.
		await marker.keyboard.press('?');
		const dialog = marker.getByRole('dialog', { name: 'Keyboard shortcuts' });
		await dialog.waitFor();
		expect(await marker.evaluate(() => Boolean(document.activeElement?.closest('dialog')))).toBe(
			true
		);
		expect(await dialog.textContent()).toContain('Save and next');
		await expectAccessible(marker);
		await marker.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });
		await markFieldFocused(marker);
		await marker.keyboard.press('c');
		expect(
			await marker.locator('details.case-study').evaluate((d) => (d as HTMLDetailsElement).open)
		).toBe(true);
		await marker.keyboard.type('1');
		await marker.keyboard.press('s');
		await marker.getByLabel('Mark for question 3(b)', { exact: true }).waitFor();
		await markFieldFocused(marker);
		await waitText(marker.locator('.script-total'), 'Script total: 6 of 20');

		// Question 3(b), a levels grid: 4 is in level 2; the last question done, "Save and next" opens
		// the next script of the paper, saying the last one is marked; the queue counts it.
		expect(before.total - before.marked).toBeGreaterThan(1);
		await marker.keyboard.type('4');
		await marker.keyboard.press('Enter');
		await marker.waitForURL(/\/mark\/scripts\/[0-9a-f-]{36}\?marked=S-/);
		expect(marker.url().split('?')[0]).not.toBe(scriptUrl);
		await waitText(
			marker.getByRole('status'),
			/Script S-[A-Z0-9-]+ marked\. This is the next script\./
		);
		await marker.getByLabel('Mark for question 1', { exact: true }).waitFor();
		await markFieldFocused(marker);
		await expectAccessible(marker);
		await marker.goto('/mark');
		const after = await progress(marker);
		expect(after).toEqual({
			marked: before.marked + 1,
			total: before.total,
			value: String(before.marked + 1)
		});
		await expectAccessible(marker);
	});

	it('a reload keeps the marks: the latest own mark of each question, its flag and the total', async () => {
		await marker.goto(`${scriptUrl}?item=2`);
		const mark = marker.getByLabel('Mark for question 2', { exact: true });
		expect(await mark.inputValue()).toBe('2');
		expect(await marker.getByLabel('Misinterpretation (FK)').isChecked()).toBe(true);
		await marker.reload();
		expect(await marker.getByLabel('Mark for question 2', { exact: true }).inputValue()).toBe('2');
		await waitText(marker.locator('.script-total'), 'Script total: 10 of 20');
		await marker.goto(`${scriptUrl}?item=3.b`);
		expect(await marker.getByLabel('Mark for question 3(b)', { exact: true }).inputValue()).toBe(
			'4'
		);
		expect(await marker.getByRole('radio', { name: /Level 2/ }).isChecked()).toBe(true);
		// The page's data carries nothing about the candidate either.
		const data = await (await marker.request.get(`${scriptUrl}/__data.json?item=1`)).text();
		for (const n of NAMES) expect(data).not.toContain(n);
	});

	it('without JavaScript the screen shows the saved marks, refuses an over-maximum mark with the reason and saves by its form', async () => {
		const c = await browser.newContext({ baseURL: e2e().baseURL, javaScriptEnabled: false });
		contexts.push(c);
		const p = await c.newPage();
		await signInAs(p, 'marker');
		await p.goto(`${scriptUrl}?item=2`);
		expect(await p.getByLabel('Mark for question 2', { exact: true }).inputValue()).toBe('2');
		await waitText(p.locator('.script-total'), 'Script total: 10 of 20');
		await p.goto(`${scriptUrl}?item=1`);
		await p.getByLabel('Mark for question 1', { exact: true }).fill('7');
		await p.getByRole('button', { name: 'Save and next' }).click();
		await waitText(p.getByRole('alert'), 'Question 1: This item is worth at most 5 marks');
		expect(await p.getByLabel('Mark for question 1', { exact: true }).inputValue()).toBe('7');
		await p.getByLabel('Mark for question 1', { exact: true }).fill('5');
		await p.getByRole('button', { name: 'Save and next' }).click();
		// Every question has a mark: on to the next script, and the script's total moved by 2.
		await p.waitForURL(/\/mark\/scripts\/[0-9a-f-]{36}\?marked=S-/);
		await p.goto(`${scriptUrl}?item=1`);
		await waitText(p.locator('.script-total'), 'Script total: 12 of 20');
	});

	it('a moderator reaches the same allocation page from Marking; a marker may not', async () => {
		const moderator = await page();
		await signInAs(moderator, 'moderator');
		await moderator.getByRole('link', { name: 'Allocate scripts to markers' }).click();
		await moderator.waitForURL('**/mark/allocate');
		await expectAccessible(moderator);
		await moderator.locator('tbody tr', { hasText: PAPER }).getByRole('link').click();
		await moderator.waitForURL(/\/mark\/allocate\/[0-9a-f-]{36}$/);
		await moderator.getByRole('heading', { name: 'Share unallocated scripts' }).waitFor();
		await expectAccessible(moderator);
		expect((await marker.goto('/mark/allocate'))?.status()).toBe(403);
	});
});
