import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_RESULT_CANDIDATES } from '../../src/cli/demo/released-results.js';
import { bookingTime, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * Registration and certificates in Chromium against the built app (issue 15): a centre registers
 * a candidate and books them; a withdrawn qualification refuses the registration inline; the
 * centre claims the certificates of the demo's released passes (src/cli/demo/released-results.ts)
 * and the public verification page, signed out, shows the certificate and nothing more. Axe on
 * every new page.
 */
let browser: Browser;
let context: BrowserContext;
let admin: Page;
let centreHome = '';

beforeAll(async () => {
	browser = await launchBrowser();
	context = await newContext(browser);
	admin = await context.newPage();
	await signInAs(admin, 'centre_admin');
	centreHome = new URL(admin.url()).pathname;
	// The spec's own candidate.
	await admin.goto(`${centreHome}/candidates`);
	await admin.getByLabel('Candidate number').fill('0951');
	await admin.getByLabel('First name').fill('Cora');
	await admin.getByLabel('Last name').fill('Certain');
	await admin.getByRole('button', { name: 'Register candidate' }).click();
	await admin.getByRole('cell', { name: '0951' }).first().waitFor();
});
afterAll(async () => {
	await context?.close();
	await browser?.close();
});

const passed = DEMO_RESULT_CANDIDATES.filter((c) => c.sat === 'share' && c.share >= 0.7);

describe('registration and booking', () => {
	it('a withdrawn qualification is refused inline; 8992-11 registers; the candidate is then booked on a live paper', async () => {
		await admin.goto(`${centreHome}/registrations`);
		await expectAccessible(admin);
		await admin.getByLabel('Candidate').selectOption({ label: '0951 Cora Certain' });
		await admin.getByLabel('Qualification and unit route').selectOption('8992-21:8992-021');
		await admin.getByRole('button', { name: 'Register' }).click();
		await expect
			.poll(() => admin.locator('#route-error').textContent())
			.toContain('has been withdrawn and is no longer available for new candidate registrations');
		expect(
			await admin.getByLabel('Qualification and unit route').getAttribute('aria-describedby')
		).toBe('route-error');
		await expectAccessible(admin);

		await admin.getByLabel('Candidate').selectOption({ label: '0951 Cora Certain' });
		await admin.getByLabel('Qualification and unit route').selectOption('8992-11:8992-111');
		await admin.getByRole('button', { name: 'Register' }).click();
		await admin.getByRole('status').filter({ hasText: 'Candidate registered.' }).waitFor();
		const row = admin.locator('table tbody tr', { hasText: '0951' });
		expect(await row.textContent()).toContain(
			'8992-11 City & Guilds Level 1 Award in Customer Service'
		);
		expect(await row.textContent()).toContain('Ready to book on 8992-111-A');

		await admin.goto(`${centreHome}/sittings`);
		await admin.getByLabel('Paper').selectOption('8992-111-A');
		await admin.getByLabel('Date and time').fill(bookingTime(7 * 24 * 60));
		await admin.getByLabel('Room').fill('Room 951');
		await admin.getByLabel(/Indra Invigilator/).check();
		await admin.getByLabel(/0951 Cora Certain/).check();
		await admin.getByRole('button', { name: 'Book sitting' }).click();
		await admin.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
	});
});

describe('certificates', () => {
	let reference = '';

	it('the centre sees who is ready and claims their certificates in one press; each has a PDF and a reference', async () => {
		await admin.goto(`${centreHome}/certificates`);
		await expectAccessible(admin);
		for (const c of passed)
			expect(await admin.locator('table').first().textContent()).toContain(
				`${c.candidate_number} ${c.first_name} ${c.last_name}`
			);
		await admin.getByRole('button', { name: /^Claim \d+ certificates?$/ }).click();
		await admin.getByRole('status').filter({ hasText: 'claimed' }).waitFor();
		await expectAccessible(admin);
		const claimed = admin
			.locator('table')
			.nth(1)
			.locator('tbody tr', { hasText: passed[0]!.candidate_number });
		reference = (await claimed.locator('code').textContent())!.trim();
		expect(reference).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
		// Nothing is left to claim: the button is gone.
		expect(await admin.getByRole('button', { name: /^Claim/ }).count()).toBe(0);
		const pdf = await admin.request.get(
			await claimed
				.getByRole('link', { name: /Certificate \(PDF\)/ })
				.getAttribute('href')
				.then((h) => h!)
		);
		expect(pdf.status()).toBe(200);
		expect(pdf.headers()['content-type']).toBe('application/pdf');
	});

	it('the public page, signed out, shows the certificate and nothing more', async () => {
		const anon = await newContext(browser);
		try {
			const page = await anon.newPage();
			await page.goto('/verify');
			await expectAccessible(page);
			await page.getByLabel('Verification reference').fill('AAAA-AAAA-AAAA-AAAA');
			await page.getByRole('button', { name: 'Check certificate' }).click();
			await expect
				.poll(() => page.locator('#reference-error').textContent())
				.toContain('No certificate has this reference');
			await page.getByLabel('Verification reference').fill(reference.toLowerCase());
			await page.getByRole('button', { name: 'Check certificate' }).click();
			const found = page.locator('section', {
				has: page.getByRole('heading', { name: 'Certificate found' })
			});
			await found.waitFor();
			const terms = await found.locator('dt').allTextContents();
			expect(terms).toEqual([
				'Awarded to',
				'Qualification',
				'Qualification number',
				'Regulatory number',
				'Unit',
				'Grade',
				'Date of achievement',
				'Date of issue',
				'Verification reference'
			]);
			const text = (await found.textContent())!;
			const c = passed[0]!;
			expect(text).toContain(`${c.first_name} ${c.last_name}`);
			expect(text).toContain('City & Guilds Level 2 Award in Customer Service');
			expect(text).toContain('500/3681/6');
			expect(text).toContain(reference);
			// Not the candidate number, not the centre, not a mark.
			expect(text).not.toContain(c.candidate_number);
			expect(text).not.toContain('900001');
			await expectAccessible(page);
		} finally {
			await anon.close();
		}
	});
});

describe("the awarding administrator's qualifications page", () => {
	it('lists the handbook qualifications with their status and saves a last date, shown back in UK format', async () => {
		const ctx = await newContext(browser);
		try {
			const page = await ctx.newPage();
			await signInAs(page, 'awarding_admin');
			await page.goto('/admin/qualifications');
			await expectAccessible(page);
			const row = page.locator('table tbody tr', { hasText: '8992-22' });
			expect(await row.textContent()).toContain('Withdrawn');
			await page.getByLabel('Last date for certification for 8992-22').fill('2099-12-31');
			await page.getByRole('button', { name: 'Save last dates for 8992-22' }).click();
			await page.getByRole('status').filter({ hasText: 'Last dates for 8992-22 saved.' }).waitFor();
			expect(await page.locator('#cert-8992-22-now').textContent()).toBe('Now 31/12/2099');
			await expectAccessible(page);
		} finally {
			await ctx.close();
		}
	});
});
