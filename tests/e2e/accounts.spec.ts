import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectAccessible, launchBrowser, newContext, signInAs, signInWith } from './browser.js';

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

const WRONG = 'The email address or password is not correct.';

async function createAccount(
	admin: Page,
	email: string,
	name: string,
	role: string
): Promise<string> {
	await admin.goto('/admin/users');
	await admin.getByLabel('Email address').fill(email);
	await admin.getByLabel('Full name').fill(name);
	await admin.getByLabel('Role').selectOption(role);
	await admin.getByRole('button', { name: 'Create account' }).click();
	await expect(admin.getByRole('status').textContent()).resolves.toContain(email);
	return (await admin.getByRole('status').locator('code').textContent())!;
}

async function setPassword(page: Page, link: string, password: string): Promise<void> {
	await page.goto(link);
	await page.getByLabel('New password (at least 12 characters)').fill(password);
	await page.getByLabel('New password again').fill(password);
	await page.getByRole('button', { name: 'Set password and sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/set-password'));
}

describe('staff accounts', () => {
	it('an account is created without a typed password; its owner sets one through the link (once), then changes it on /account, ending their other sessions', async () => {
		const adminCtx = await newContext(browser);
		const admin = await adminCtx.newPage();
		await signInAs(admin, 'awarding_admin');
		await admin.goto('/admin/users');
		expect(await admin.getByLabel(/password/i).count()).toBe(0);
		const link = await createAccount(admin, 'rita.marker@example.test', 'Rita Marker', 'marker');
		expect(link).toMatch(/\/set-password\/[a-z2-7]{48}$/);
		await expectAccessible(admin);
		await expect(
			admin.locator('tr', { hasText: 'rita.marker@example.test' }).textContent()
		).resolves.toContain('Waiting for the owner to set a password');

		const ownerCtx = await newContext(browser);
		const owner = await ownerCtx.newPage();
		await owner.goto(link);
		await expectAccessible(owner);
		// A mismatch is an inline error and changes nothing.
		await owner.getByLabel('New password (at least 12 characters)').fill('first long password');
		await owner.getByLabel('New password again').fill('something different');
		await owner.getByRole('button', { name: 'Set password and sign in' }).click();
		await expect(owner.getByRole('alert').textContent()).resolves.toContain('not the same');
		await expectAccessible(owner);
		await setPassword(owner, link, 'first long password');
		expect(new URL(owner.url()).pathname).toBe('/mark');

		// Used once: the link now says so.
		const otherCtx = await newContext(browser);
		const other = await otherCtx.newPage();
		await other.goto(link);
		await expect(other.getByRole('alert').textContent()).resolves.toContain(
			'expired or has already been used'
		);

		// A second session elsewhere, then a change of password on /account.
		await signInWith(other, 'rita.marker@example.test', 'first long password');
		await owner.goto('/account');
		await expectAccessible(owner);
		await owner.getByLabel('Current password').fill('not the password');
		await owner.getByLabel('New password (at least 12 characters)').fill('second long password');
		await owner.getByLabel('New password again').fill('second long password');
		await owner.getByRole('button', { name: 'Change password' }).click();
		await expect(owner.getByRole('alert').textContent()).resolves.toContain(
			'current password is not correct'
		);
		await owner.getByLabel('Current password').fill('first long password');
		await owner.getByLabel('New password (at least 12 characters)').fill('second long password');
		await owner.getByLabel('New password again').fill('second long password');
		await owner.getByRole('button', { name: 'Change password' }).click();
		await expect(owner.getByRole('status').textContent()).resolves.toContain(
			'signed out of 1 other session'
		);
		await expectAccessible(owner);
		// This browser stays signed in; the other one is signed out.
		await owner.goto('/mark');
		expect(new URL(owner.url()).pathname).toBe('/mark');
		await other.goto('/mark');
		expect(new URL(other.url()).pathname).toBe('/signin');
		await Promise.all([adminCtx.close(), ownerCtx.close(), otherCtx.close()]);
	});

	it('the administrator edits, resets, disables and enables an account; each takes effect at once', async () => {
		const adminCtx = await newContext(browser);
		const admin = await adminCtx.newPage();
		await signInAs(admin, 'awarding_admin');
		const link = await createAccount(admin, 'sam.mod@example.test', 'Sam Mod', 'moderator');
		const userCtx = await newContext(browser);
		const user = await userCtx.newPage();
		await setPassword(user, link, 'sams long password');

		await admin.goto('/admin/users');
		await admin.getByRole('link', { name: 'sam.mod@example.test' }).click();
		await expectAccessible(admin);
		await admin.getByLabel('Full name').fill('Samira Moderator');
		await admin.getByRole('button', { name: 'Save changes' }).click();
		await expect(admin.getByRole('status').textContent()).resolves.toContain('Changes saved');
		await expect(admin.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'Samira Moderator'
		);
		// A second role: moderator and marker; a centre role with no centre is an inline error.
		await admin.getByLabel('Role', { exact: true }).selectOption('marker');
		await admin.getByRole('button', { name: 'Add role' }).click();
		await expect(admin.getByRole('status').textContent()).resolves.toContain('Role added');
		const roles = admin.getByRole('table', { name: 'Roles of this account' });
		await expect(roles.locator('tbody td:first-child').allTextContents()).resolves.toEqual([
			'Moderator',
			'Marker'
		]);
		await admin.getByLabel('Role', { exact: true }).selectOption('invigilator');
		await admin.getByRole('button', { name: 'Add role' }).click();
		await expect(admin.getByRole('alert').textContent()).resolves.toContain(
			'Choose the centre for this role'
		);
		await expectAccessible(admin);
		await admin.getByRole('button', { name: 'Remove Marker' }).click();
		await expect(admin.getByRole('status').textContent()).resolves.toContain('Role removed');
		await expect(roles.locator('tbody td:first-child').allTextContents()).resolves.toEqual([
			'Moderator'
		]);
		// The last role has no remove button: an account keeps one.
		expect(await roles.getByRole('button').count()).toBe(0);

		// Reset: the old password and the session stop working; the new link works.
		await admin.getByRole('button', { name: 'Reset password' }).click();
		const resetLink = (await admin.getByRole('status').locator('code').textContent())!;
		await expectAccessible(admin);
		await user.goto('/mark');
		expect(new URL(user.url()).pathname).toBe('/signin');
		await user.getByLabel('Email address').fill('sam.mod@example.test');
		await user.getByLabel('Password').fill('sams long password');
		await user.getByRole('button', { name: 'Sign in' }).click();
		await expect(user.getByRole('alert').textContent()).resolves.toContain(WRONG);
		await setPassword(user, resetLink, 'sams newer password');

		// Disable: the session ends and sign-in gets the wrong-password message; enable lets them back.
		await admin.getByRole('button', { name: 'Disable account' }).click();
		await expect(admin.getByRole('status').textContent()).resolves.toContain('Account disabled');
		await user.goto('/mark');
		expect(new URL(user.url()).pathname).toBe('/signin');
		await user.getByLabel('Email address').fill('sam.mod@example.test');
		await user.getByLabel('Password').fill('sams newer password');
		await user.getByRole('button', { name: 'Sign in' }).click();
		await expect(user.getByRole('alert').textContent()).resolves.toContain(WRONG);
		await admin.getByRole('button', { name: 'Enable account' }).click();
		await expect(admin.getByRole('status').textContent()).resolves.toContain('Account enabled');
		await signInWith(user, 'sam.mod@example.test', 'sams newer password');
		expect(new URL(user.url()).pathname).toBe('/mark');

		// The audit log names the account and shows the change as before → after.
		await admin.goto('/admin/audit');
		await expectAccessible(admin);
		await admin
			.getByLabel('Subject (candidate number or name, centre, email)')
			.fill('sam.mod@example.test');
		await admin.getByRole('button', { name: 'Show entries' }).click();
		await admin.waitForURL((url) => url.searchParams.get('subject') === 'sam.mod@example.test');
		const table = (await admin.locator('table').textContent())!;
		expect(table).toContain('Staff account changed');
		expect(table).toContain('display name: Sam Mod → Samira Moderator');
		expect(table).toContain('Staff account disabled');
		expect(table).not.toMatch(/[a-z2-7]{48}/);
		await expectAccessible(admin);
		await Promise.all([adminCtx.close(), userCtx.close()]);
	});
});

describe('candidates', () => {
	it('registers from a semicolon-separated file with "Candidate Number" headers; an empty file and a stray quote are named', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'centre_admin');
		await page.getByRole('link', { name: 'Candidates' }).first().click();
		await expect(page.locator('#cn-hint').textContent()).resolves.toBe('Four digits, e.g. 0042');
		const upload = async (name: string, text: string) => {
			await page
				.getByLabel('CSV file', { exact: true })
				.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
			await page.getByRole('button', { name: 'Upload candidates' }).click();
		};
		await upload('empty.csv', '');
		await expect(page.getByRole('alert').textContent()).resolves.toContain('The file is empty');
		await upload(
			'quotes.csv',
			'Candidate Number;First Name;Last Name;Rest Breaks\n0301;Ann;Lee;no\n0302;"Bo;Ng;no\n0303;Cy;Fox;maybe\n'
		);
		const alert = (await page.getByRole('alert').textContent())!;
		expect(alert).toContain('has 2 problems');
		expect(alert).toContain('Row 3: a quote (") is opened and never closed');
		expect(alert).toContain('Row 4, rest_breaks: must be yes or no, not "maybe"');
		await expectAccessible(page);
		await upload('good.csv', 'Candidate Number;First Name;Last Name\n302;Bo;Ng\n0301;Ann;Lee\n');
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'2 candidates registered from good.csv'
		);
		// Listed by number: 0301 before 0302.
		const numbers = await page.locator('tbody tr td:first-child').allTextContents();
		expect(numbers.indexOf('0301')).toBeLessThan(numbers.indexOf('0302'));
		await context.close();
	});

	it('corrects, withdraws and deletes a candidate record; a booked candidate cannot be deleted', async () => {
		const context = await newContext(browser);
		const page = await context.newPage();
		await signInAs(page, 'centre_admin');
		await page.getByRole('link', { name: 'Candidates' }).first().click();
		await page.getByLabel('Candidate number').fill('90');
		await page.getByLabel('First name').fill('Tess');
		await page.getByLabel('Last name').fill('Typo');
		await page.getByRole('button', { name: 'Register candidate' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'0090 Tess Typo'
		);
		await page.getByRole('link', { name: 'Edit Tess Typo' }).click();
		await expectAccessible(page);
		await page.getByLabel('Candidate number').fill('ABC');
		await page.getByRole('button', { name: 'Save corrections' }).click();
		await expect(page.locator('#cn-error').textContent()).resolves.toContain(
			'Candidate number must be four digits, e.g. 0042'
		);
		await expectAccessible(page);
		await page.getByLabel('Candidate number').fill('0091');
		await page.getByLabel('Last name').fill('Tyler');
		await page.getByRole('button', { name: 'Save corrections' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain(
			'Candidate details corrected'
		);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'Tess Tyler (0091)'
		);
		await page.getByRole('button', { name: 'Withdraw candidate' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain('Candidate withdrawn');
		await expectAccessible(page);
		await page.getByRole('link', { name: '← All candidates' }).click();
		await expect(page.locator('tr', { hasText: 'Tyler' }).textContent()).resolves.toContain(
			'(withdrawn)'
		);
		await page.getByRole('link', { name: 'Edit Tess Tyler' }).click();
		await page.getByRole('button', { name: 'Delete this record' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toContain(
			'Candidate record deleted'
		);
		expect(await page.locator('tr', { hasText: 'Tyler' }).count()).toBe(0);

		// The demo's candidate 0001 is booked on the demo sitting.
		await page.getByRole('link', { name: 'Edit Aisha Khan' }).click();
		await page.getByRole('button', { name: 'Delete this record' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'cannot be deleted. Withdraw them instead.'
		);
		await expectAccessible(page);
		await context.close();
	});
});

describe('markers read the question paper', () => {
	it('a marker sees the case study and the questions beside the grid, and nothing about a candidate', async () => {
		for (const role of ['marker', 'moderator']) {
			const context = await newContext(browser);
			const page = await context.newPage();
			await signInAs(page, role);
			await page.goto('/mark/grids/8992-111-A');
			const paper = page.getByRole('region', { name: 'Question paper' });
			await expect(paper.getByRole('heading', { name: 'Case study' }).count()).resolves.toBe(1);
			await expect(paper.textContent()).resolves.toContain('Ashbourne Vale Leisure Centre');
			await expect(page.getByRole('region', { name: 'Marking grid' }).count()).resolves.toBe(1);
			// No answer boxes, no candidate data.
			expect(await paper.locator('textarea').count()).toBe(0);
			const text = (await page.locator('main').textContent()) ?? (await page.textContent('body'))!;
			for (const name of ['Aisha', 'Khan', '900001', 'Demo Training Centre'])
				expect(text, role).not.toContain(name);
			await expectAccessible(page);
			await context.close();
		}
	});
});
