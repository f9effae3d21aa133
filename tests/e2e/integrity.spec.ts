import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { e2e, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * Only the invigilators booked on a sitting, and the centre's administrator, may run it: another
 * invigilator of the same centre can open neither the console, nor its actions, nor its report.
 */
let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe('who may run a sitting', () => {
	it('an invigilator of the centre who is not booked on the sitting is refused (403) everywhere; the centre administrator may run it', async () => {
		// A sitting the demo invigilator is booked on, from their own list.
		const booked = await newContext(browser);
		const bookedPage = await booked.newPage();
		await signInAs(bookedPage, 'invigilator');
		await bookedPage.goto('/invigilate');
		const href = await bookedPage.locator('a[href^="/invigilate/"]').first().getAttribute('href');
		expect(href).toMatch(/^\/invigilate\/[0-9a-f-]{36}$/);

		// The administrator adds a second invigilator at the demo centre, booked on nothing.
		const admin = await newContext(browser);
		const adminPage = await admin.newPage();
		await signInAs(adminPage, 'awarding_admin');
		await adminPage.goto('/admin/users');
		await adminPage.getByLabel('Email address').fill('cover.invigilator@example.test');
		await adminPage.getByLabel('Full name').fill('Casey Cover');
		await adminPage.getByLabel('Role').selectOption('invigilator');
		await adminPage.getByLabel('Centre (for invigilators and centre administrators)').selectOption({
			label: await adminPage.locator('#centre_id option', { hasText: '900001' }).first().innerText()
		});
		await adminPage.getByRole('button', { name: 'Create account' }).click();
		await expect(adminPage.getByRole('status').textContent()).resolves.toContain(
			'cover.invigilator@example.test'
		);
		const link = (await adminPage.getByRole('status').locator('code').textContent())!;

		// The new invigilator chooses a password through the one-time link and is signed in.
		const cover = await newContext(browser);
		const page = await cover.newPage();
		await page.goto(link);
		await page.getByLabel('New password (at least 12 characters)').fill('another long password');
		await page.getByLabel('New password again').fill('another long password');
		await page.getByRole('button', { name: 'Set password and sign in' }).click();
		await page.waitForURL((u) => u.pathname === '/invigilate');
		await expect(page.locator('main').textContent()).resolves.toContain(
			'No sittings are assigned to you yet'
		);

		const console = await page.goto(href!);
		expect(console?.status()).toBe(403);
		await expect(page.locator('main').textContent()).resolves.toContain(
			'not an invigilator of this sitting'
		);
		await expectAccessible(page);
		// The page's data, an action and the report are refused too, and nothing is written.
		// (SvelteKit answers a page-data request 200 with the error inside: what matters is what it holds.)
		const data = await (await page.request.get(`${href}/__data.json`)).text();
		expect(data).toContain('"status":403');
		expect(data).not.toContain(e2e().demoKeycode);
		const action = await page.request.post(`${href}?/incident`, {
			form: { reason: 'forged incident' },
			headers: { origin: new URL(page.url()).origin }
		});
		expect(action.status()).toBe(403);
		expect((await page.request.get(`${href}/report.pdf`)).status()).toBe(403);
		const log = await bookedPage.goto(href!);
		expect(log?.status()).toBe(200);
		await expect(bookedPage.locator('main').textContent()).resolves.not.toContain(
			'forged incident'
		);

		// The centre administrator runs any sitting of their centre.
		const centre = await newContext(browser);
		const centrePage = await centre.newPage();
		await signInAs(centrePage, 'centre_admin');
		expect((await centrePage.goto(href!))?.status()).toBe(200);
		await expect(centrePage.getByRole('heading', { level: 1 }).textContent()).resolves.toBeTruthy();
		await expectAccessible(centrePage);
		expect((await centrePage.request.get(`${href}/report.pdf`)).status()).toBe(200);
		await Promise.all([booked.close(), admin.close(), cover.close(), centre.close()]);
	});
});
