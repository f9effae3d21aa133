import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookingTime,
	bookSitting,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs
} from './browser.js';

/*
 * A sitting through its life at the centre: booked (never in the past), listed on the centre's
 * overview, started on another day than booked only with a confirmed reason, an attempt voided
 * with confirmation and reinstated by the centre administrator. Its own candidate (0901) and a
 * sitting of 8992-901-T booked for next week, so no other spec's candidates or sittings are touched.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Page;
let centreHome = '';
let sittingId = '';
let keycode = '';

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });
const row = (p: Page) => p.locator('table.console tbody tr', { hasText: '0901' });

beforeAll(async () => {
	browser = await launchBrowser();
	admin = await page();
	await signInAs(admin, 'centre_admin');
	centreHome = new URL(admin.url()).pathname;
	// The spec's own candidate, with a reader and a scribe.
	await admin.goto(`${centreHome}/candidates`);
	await admin.getByLabel('Candidate number').fill('0901');
	await admin.getByLabel('First name').fill('Zoe');
	await admin.getByLabel('Last name').fill('Sitwell');
	await admin.getByLabel('Reader').check();
	await admin.getByLabel('Scribe').check();
	await admin.getByRole('button', { name: 'Register candidate' }).click();
	await admin.getByRole('cell', { name: '0901' }).first().waitFor();
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('booking a sitting', () => {
	it('refuses a date in the past with an inline error; books next week; "All candidates" ticks every box', async () => {
		await admin.goto(`${centreHome}/sittings`);
		await admin.getByLabel('Paper').selectOption('8992-901-T');
		await admin.getByLabel('Date and time').fill('2020-06-01T09:00');
		await admin.getByLabel('Room').fill('Room 901');
		await admin.getByLabel(/Indra Invigilator/).check();
		await admin.getByLabel(/0901 Zoe Sitwell/).check();
		await admin.getByRole('button', { name: 'Book sitting' }).click();
		await waitText(admin.getByRole('alert'), 'The date and time have passed');
		expect(await admin.locator('#when-error').textContent()).toContain('choose a time from now on');
		expect(admin.url()).not.toMatch(/\/sittings\/[0-9a-f-]{36}$/);
		await expectAccessible(admin);

		// With JavaScript, "All candidates" ticks and unticks every box.
		const all = admin.getByLabel(/All candidates on the register/);
		const boxes = admin.locator('input[name="candidate_ids"]');
		await all.check();
		expect(await boxes.evaluateAll((bs) => bs.every((b) => (b as HTMLInputElement).checked))).toBe(
			true
		);
		await all.uncheck();
		expect(await boxes.evaluateAll((bs) => bs.some((b) => (b as HTMLInputElement).checked))).toBe(
			false
		);

		await admin.getByLabel(/0901 Zoe Sitwell/).check();
		await admin.getByLabel('Date and time').fill(bookingTime(7 * 24 * 60));
		// The late-entry limit starts at this system's default; the centre sets its own.
		const lateEntry = admin.getByLabel('Late entry allowed for (minutes after the start)');
		expect(await lateEntry.inputValue()).toBe('30');
		await lateEntry.fill('20');
		await admin.getByRole('button', { name: 'Book sitting' }).click();
		await admin.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
		sittingId = admin.url().split('/').pop()!;
		await admin.getByText('Up to 20 minutes after the start').waitFor();
		keycode = (await admin.locator('.reference').textContent())!.trim();
	});

	it("the centre's overview lists the sitting among the upcoming ones", async () => {
		await admin.goto(centreHome);
		const upcoming = admin.locator('table', { has: admin.getByText('Sittings still to run') });
		await waitText(upcoming.locator('tr'), 'Room 901');
		expect(await upcoming.locator('tr', { hasText: 'Room 901' }).textContent()).toContain(
			'Booked, not started yet'
		);
		await expectAccessible(admin);
	});
});

describe("the invigilator's console, before and after the start", () => {
	it('shows who has signed in and their arrangements, and offers only what the sitting allows', async () => {
		const cand = await page();
		await cand.goto('/candidate/signin');
		await cand.getByLabel('Centre number').fill('900001');
		await cand.getByLabel('Candidate number').fill('0901');
		await cand.getByLabel('Keycode').fill(keycode);
		await cand.getByRole('button', { name: 'Start' }).click();
		await cand.waitForURL('**/candidate/exam');

		await admin.goto(`/invigilate/${sittingId}`);
		await waitText(row(admin), /signed in at \d\d:\d\d/);
		const text = (await row(admin).textContent()) ?? '';
		expect(text).toContain('reader · scribe');
		expect(text).toContain('Waiting to start');
		expect(text).not.toMatch(/not_started|sign_in|– · rest breaks/);
		const main = (await admin.locator('main').textContent()) ?? '';
		expect(main).toContain('Booked, not started yet');
		expect(main).not.toMatch(/\bscheduled\b/);
		// Before the start: no pausing, resuming or ending; the incident box says what it is for.
		expect(await admin.getByRole('button', { name: 'Pause everyone' }).count()).toBe(0);
		expect(await admin.getByRole('button', { name: 'Resume everyone' }).count()).toBe(0);
		expect(await admin.getByRole('button', { name: 'End the sitting' }).count()).toBe(0);
		await admin.getByLabel('Describe the incident').waitFor();
		await expectAccessible(admin);
	});

	it('starting a sitting booked for next week needs the box ticked and a reason; then says what was done', async () => {
		await admin.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(admin.getByRole('status'), 'Marked 1 candidate present.');
		expect(await admin.locator('main').textContent()).toMatch(
			/booked for \w+day \d+ \w+ \d{4}, not today/
		);
		await admin.getByLabel('Yes, start it today instead').check();
		await admin
			.getByLabel('Why it is starting on another day')
			.fill('Brought forward by the awarding body');
		await admin.getByRole('button', { name: 'Start the sitting' }).click();
		await waitText(admin.getByRole('status'), 'Started 1 candidate.');
		await waitText(admin.locator('table.small tr'), 'started on another day than booked');
		// Now running: pausing, resuming and ending are offered, each box labelled by its action.
		await admin.getByLabel('Reason for pausing everyone').waitFor();
		await admin.getByLabel('Reason for resuming everyone').waitFor();
		await admin.getByRole('button', { name: 'End the sitting' }).waitFor();
		await expectAccessible(admin);
	});

	it('voiding asks for confirmation (the server refuses without it, naming the candidate); the centre administrator reinstates', async () => {
		const r = row(admin);
		await r.getByText('Actions', { exact: false }).first().click();
		const voidForm = r.locator('form[action="?/void"]');
		await voidForm.getByLabel('Reason for voiding').fill('Phone on the desk');
		// The browser's own check aside, the server refuses an unconfirmed void.
		await voidForm.evaluate((f) => ((f as HTMLFormElement).noValidate = true));
		admin.once('dialog', (d) => void d.accept());
		await voidForm.getByRole('button', { name: 'Void attempt' }).click();
		await waitText(admin.getByRole('alert'), /^Candidate 0901: Tick “Yes, void this attempt”/);
		expect(await r.textContent()).not.toContain('Voided');

		// Confirmed, and the dialog dismissed: nothing happens.
		await voidForm.getByLabel('Yes, void this attempt').check();
		admin.once('dialog', (d) => void d.dismiss());
		await voidForm.getByRole('button', { name: 'Void attempt' }).click();
		expect(await r.textContent()).not.toContain('Voided');

		// Confirmed twice: voided.
		admin.once('dialog', (d) => void d.accept());
		await voidForm.getByRole('button', { name: 'Void attempt' }).click();
		await waitText(admin.getByRole('status'), 'Candidate 0901: Attempt voided.');
		await waitText(row(admin), 'Voided');

		const r2 = row(admin);
		if (!(await r2.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)))
			await r2.getByText('Actions', { exact: false }).first().click();
		await r2.getByLabel('Reason for reinstating').fill('The phone was the invigilator’s');
		await r2.getByRole('button', { name: 'Reinstate attempt' }).click();
		await waitText(
			admin.getByRole('status'),
			/Candidate 0901: Attempt reinstated: (in reading time|answering)\./
		);
		await waitText(row(admin), /Reading time|Answering/);
		await waitText(admin.locator('table.small tr'), 'attempt reinstated');
		await expectAccessible(admin);
	});
});

describe('moving and cancelling a sitting before the start', () => {
	it('moves it to another time and room (never the past); cancels it with a reason, after which its keycode signs no one in', async () => {
		await admin.goto(centreHome);
		const { keycode: code } = await bookSitting(admin, {
			paper: '8992-901-T',
			room: 'Room 902',
			candidates: [/0901 Zoe Sitwell/],
			minutesAhead: 2 * 24 * 60
		});
		expect(await admin.locator('dl.facts').textContent()).toContain('Indra Invigilator');

		await admin.getByLabel('New date and time').fill('2020-01-06T09:00');
		await admin.getByRole('button', { name: 'Save the new time and room' }).click();
		await waitText(admin.getByRole('alert'), 'The date and time have passed');
		await expectAccessible(admin);
		await admin.getByLabel('New date and time').fill(bookingTime(3 * 24 * 60));
		await admin.getByLabel('Room', { exact: true }).fill('Room 903');
		await admin.getByRole('button', { name: 'Save the new time and room' }).click();
		await waitText(admin.getByRole('status'), 'Sitting moved.');
		expect(await admin.locator('dl.facts').textContent()).toContain('Room 903');

		await admin.getByRole('button', { name: 'Cancel the sitting' }).click();
		await waitText(admin.getByRole('alert'), 'Give the reason for cancelling the sitting');
		await admin.getByLabel('Reason for cancelling').fill('Room flooded');
		await admin.getByRole('button', { name: 'Cancel the sitting' }).click();
		await waitText(admin.getByRole('status'), 'Sitting cancelled.');
		expect(await admin.locator('dl.facts').textContent()).toContain('Cancelled: Room flooded');
		expect(await admin.getByRole('button', { name: 'Cancel the sitting' }).count()).toBe(0);
		await expectAccessible(admin);

		const cand = await page();
		await cand.goto('/candidate/signin');
		await cand.getByLabel('Centre number').fill('900001');
		await cand.getByLabel('Candidate number').fill('0901');
		await cand.getByLabel('Keycode').fill(code);
		await cand.getByRole('button', { name: 'Start' }).click();
		await cand.getByRole('alert').waitFor();
		expect(new URL(cand.url()).pathname).toBe('/candidate/signin');
	});
});

describe('changing who is in a sitting and who invigilates it', () => {
	it('adds a candidate and removes one before the start; keeps at least one invigilator; every change said and audited', async () => {
		await admin.goto(centreHome);
		await bookSitting(admin, {
			paper: '8992-901-T',
			room: 'Room 904',
			candidates: [/0901 Zoe Sitwell/],
			minutesAhead: 2 * 24 * 60
		});
		const names = () =>
			admin.locator('table').first().locator('tbody tr td:nth-child(2)').allTextContents();
		expect(await names()).toEqual(['Zoe Sitwell']);

		await admin
			.getByRole('group', { name: /not in this sitting/ })
			.getByLabel(/0002 Ben Okafor/)
			.check();
		await admin.getByRole('button', { name: 'Add to this sitting' }).click();
		await waitText(admin.getByRole('status'), 'Added 1 candidate.');
		expect(await names()).toEqual(['Ben Okafor', 'Zoe Sitwell']);
		await expectAccessible(admin);

		await admin.getByRole('button', { name: /Remove 0901 Zoe Sitwell/ }).click();
		await waitText(admin.getByRole('status'), 'Removed candidate 0901.');
		expect(await names()).toEqual(['Ben Okafor']);

		// No invigilator ticked: refused on the form, nothing changes.
		await admin
			.getByRole('group', { name: /Who invigilates/ })
			.getByLabel(/Indra Invigilator/)
			.uncheck();
		await admin.getByRole('button', { name: 'Save invigilators' }).click();
		await waitText(admin.getByRole('alert'), 'Choose at least one invigilator');
		expect(await admin.locator('dl.facts').textContent()).toContain('Indra Invigilator');
		await expectAccessible(admin);
	});
});
