import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { e2e, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

const HOMES: Record<string, { path: RegExp; heading: string }> = {
	awarding_admin: { path: /\/admin$/, heading: 'Awarding administration' },
	centre_admin: { path: /\/centre\/[0-9a-f-]+$/, heading: 'Demo Training Centre' },
	invigilator: { path: /\/invigilate$/, heading: 'Invigilation' },
	marker: { path: /\/mark$/, heading: 'Marking' },
	moderator: { path: /\/mark$/, heading: 'Marking' }
};

describe('staff sign-in', () => {
	it('npm start printed one line per staff role, in the user’s words (no build tool chatter)', () => {
		expect(Object.keys(e2e().accounts).sort()).toEqual(Object.keys(HOMES).sort());
		const out = e2e().startOutput;
		for (const noise of ['npm run preview', 'Rollup', 'adapter-node', '(s)'])
			expect(out, noise).not.toContain(noise);
	});

	for (const [role, home] of Object.entries(HOMES)) {
		it(`${role} signs in with the demo credentials and sees their home`, async () => {
			const context = await newContext(browser);
			const page = await context.newPage();
			await signInAs(page, role);
			expect(page.url()).toMatch(home.path);
			await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
				home.heading
			);
			await expectAccessible(page);
			await context.close();
		});
	}

	it('a wrong password shows an error and the sign-in page is accessible', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await page.goto('/signin');
		await expectAccessible(page);
		await page.getByLabel('Email address').fill(e2e().accounts.invigilator!.email);
		await page.getByLabel('Password').fill('definitely-not-it');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'The email address or password is not correct.'
		);
		expect(new URL(page.url()).pathname).toBe('/signin');
		await expectAccessible(page);
		await context.close();
	});

	it('signing out ends the session', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'marker');
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL('**/signin');
		await page.goto('/mark');
		expect(new URL(page.url()).pathname).toBe('/signin');
		await context.close();
	});

	it('the landing page is accessible', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await page.goto('/');
		await expectAccessible(page);
		await context.close();
	});
});

describe('roles and centres', () => {
	it('a marker who opens an administrator page gets 403', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'marker');
		const response = await page.goto('/admin/centres');
		expect(response?.status()).toBe(403);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'Access denied'
		);
		await expectAccessible(page);
		await context.close();
	});

	it("a marker's home lists the papers; each opens its marking grid", async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'marker');
		await page.getByRole('link', { name: /8992-112-A/ }).click();
		await page.waitForURL('**/mark/grids/8992-112-A');
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'Marking grid'
		);
		expect(await page.locator('.item-grid').count()).toBeGreaterThan(5);
		await expect(page.locator('.item-grid').first().textContent()).resolves.toMatch(
			/Criteria: AC\d/
		);
		await expectAccessible(page);
		expect((await page.goto('/mark/grids/8992-999-X'))?.status()).toBe(404);
		await context.close();
	});

	it("a page's data alone (as the browser fetches it after an invalidation, skipping the layouts) is guarded too", async () => {
		// `x-sveltekit-invalidated=001` asks SvelteKit to run only the page's own load, not its layouts'.
		const dataOnly = (path: string) => `${path}/__data.json?x-sveltekit-invalidated=001`;
		const anon = await newContext(browser);
		const anonymous = await anon.request.get(dataOnly('/admin/audit'));
		const anonBody = await anonymous.text();
		expect(anonBody).not.toContain('sitting.start');
		expect(anonBody).not.toContain('@demo.test');
		expect(JSON.parse(anonBody)).toEqual({
			type: 'redirect',
			location: '/signin?next=%2Fadmin%2Faudit'
		});

		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'marker');
		for (const path of ['/admin/audit', '/admin/users', '/admin/papers/8992-111-A/grid']) {
			const res = await page.request.get(dataOnly(path));
			expect(res.status(), path).toBe(403);
			expect(await res.text(), path).not.toContain('@demo.test');
		}
		// A form action skips the layouts as well.
		const post = await page.request.post('/admin/centres?/create', {
			form: { number: '700999', name: 'Sneaky' },
			headers: { origin: e2e().baseURL }
		});
		expect(post.status()).toBe(403);

		const centre = await newContext(browser);
		const centrePage = await centre.newPage();
		await signInAs(centrePage, 'centre_admin');
		const own = new URL(centrePage.url()).pathname;
		expect((await centrePage.request.get(dataOnly(`${own}/candidates`))).status()).toBe(200);
		const other = await centrePage.request.get(
			dataOnly('/centre/00000000-0000-4000-8000-000000000000/candidates')
		);
		expect(other.status()).toBe(404);
		await Promise.all([anon.close(), context.close(), centre.close()]);
	});

	it("the awarding administrator creates a centre and a staff account; another centre's pages are 404 to the demo centre admin", async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'awarding_admin');
		await page.goto('/admin/centres');
		await expectAccessible(page);
		await page.getByLabel('Centre number (six digits)').fill('700123');
		await page.getByLabel('Centre name').fill('Northgate College');
		await page.getByRole('button', { name: 'Add centre' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain(
			'700123 Northgate College'
		);

		await page.goto('/admin/users');
		await expectAccessible(page);
		await page.getByLabel('Email address').fill('ng.admin@example.test');
		await page.getByLabel('Full name').fill('Nadia Gray');
		await page.getByLabel('Role').selectOption('centre_admin');
		await page
			.getByLabel('Centre (for invigilators and centre administrators)')
			.selectOption({ label: '700123 Northgate College' });
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain(
			'ng.admin@example.test'
		);
		const link = (await page.getByRole('status').locator('code').textContent())!;
		await page.goto('/admin/audit');
		await expect(page.locator('table').textContent()).resolves.toContain('Staff account created');
		await expectAccessible(page);

		// The new centre admin sees their centre; the demo centre's admin gets 404 for it.
		const ng = await newContext(browser);
		const ngPage = await ng.newPage();
		// The owner chooses their password through the one-time link, and is signed in.
		await ngPage.goto(link);
		await ngPage
			.getByLabel('New password (at least 12 characters)')
			.fill('a long initial password');
		await ngPage.getByLabel('New password again').fill('a long initial password');
		await ngPage.getByRole('button', { name: 'Set password and sign in' }).click();
		await ngPage.waitForURL(/\/centre\/[0-9a-f-]+$/);
		const northgateUrl = new URL(ngPage.url()).pathname;
		await expect(ngPage.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'Northgate College'
		);

		const demo = await newContext(browser);
		const demoPage = await demo.newPage();
		await signInAs(demoPage, 'centre_admin');
		const response = await demoPage.goto(`${northgateUrl}/candidates`);
		expect(response?.status()).toBe(404);
		await Promise.all([context.close(), ng.close(), demo.close()]);
	});
});

describe('candidate registration', () => {
	it('a CSV with one bad row names the row and saves nothing; a corrected file registers everyone', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'centre_admin');
		await page.getByRole('link', { name: 'Candidates' }).first().click();
		await expectAccessible(page);
		const before = await page.locator('tbody tr').count();

		const bad =
			'candidate_number,first_name,last_name,extra_time_percent\n1001,Priya,Shah,25\n1002,Tom,Reed,33\n1003,Lena,Berg,\n';
		await page
			.getByLabel('CSV file', { exact: true })
			.setInputFiles({ name: 'cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
		await page.getByRole('button', { name: 'Upload candidates' }).click();
		const alert = page.getByRole('alert');
		await expect(alert.textContent()).resolves.toContain(
			'Row 3, extra_time_percent: Extra time must be one of'
		);
		await expect(alert.textContent()).resolves.toContain('Nothing was saved');
		expect(await page.locator('tbody tr').count()).toBe(before);
		await expectAccessible(page);

		const good = bad.replace('1002,Tom,Reed,33', '1002,Tom,Reed,50');
		await page
			.getByLabel('CSV file', { exact: true })
			.setInputFiles({ name: 'cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
		await page.getByRole('button', { name: 'Upload candidates' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'3 candidates registered from cohort.csv'
		);
		expect(await page.locator('tbody tr').count()).toBe(before + 3);
		await context.close();
	});

	it('registers one candidate by form and edits their access arrangements', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'centre_admin');
		await page.getByRole('link', { name: 'Candidates' }).first().click();
		await page.getByLabel('Candidate number').fill('2001');
		await page.getByLabel('First name').fill('Omar');
		await page.getByLabel('Last name').fill('Haddad');
		await page.getByRole('button', { name: 'Register candidate' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'2001 Omar Haddad'
		);
		await page.getByRole('link', { name: 'Edit Omar Haddad' }).click();
		await expectAccessible(page);
		await page.getByLabel('Extra time').selectOption('25');
		await page.getByLabel('Supervised rest breaks').check();
		await page.getByRole('button', { name: 'Save arrangements' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain(
			'Access arrangements saved'
		);
		await page.getByRole('link', { name: '← All candidates' }).click();
		await expect(page.locator('tr', { hasText: 'Haddad' }).textContent()).resolves.toContain(
			'25% extra time, rest breaks'
		);
		await context.close();
	});
});
