import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Launches Debian's Chromium. A missing browser fails loudly: browser tests never skip. */
export async function launchBrowser(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`
		);
	}
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run'
		]
	});
}

export function e2e() {
	return inject('e2e');
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
	return browser.newContext({ baseURL: e2e().baseURL });
}

/** Signs in on the staff sign-in page and waits to leave it. */
export async function signInWith(page: Page, email: string, password: string): Promise<void> {
	await page.goto('/signin');
	await page.getByLabel('Email address').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname !== '/signin');
}

export async function signInAs(page: Page, role: string): Promise<void> {
	const account = e2e().accounts[role];
	if (!account) throw new Error(`No demo account for ${role}`);
	await signInWith(page, account.email, account.password);
}

/** Runs axe (WCAG 2.0–2.2 A and AA rules) and fails on any serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
	const results = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.analyze();
	const bad = results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map(
			(v) =>
				`${v.id} (${v.impact}): ${v.help} – ${v.nodes
					.map((n) => n.target.join(' '))
					.slice(0, 3)
					.join('; ')}`
		);
	expect(bad, `axe violations on ${page.url()}`).toEqual([]);
}

/**
 * A `datetime-local` value (the server's own time zone: the server runs on this machine) for `minutes`
 * from now, to the minute. Bookings in the past are refused, so tests book from now on.
 */
export function bookingTime(minutes = 0): string {
	const d = new Date(Date.now() + minutes * 60_000);
	const p = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * Books a sitting as the centre administrator on `admin` (signed in, on a centre page): the paper,
 * now (or `minutesAhead`), the room,
 * Indra Invigilator (the demo centre's) and the candidates whose labels match. Waits for the
 * sitting's page and returns its keycode and id.
 */
export async function bookSitting(
	admin: Page,
	o: { paper: string; room: string; candidates: RegExp[]; minutesAhead?: number }
): Promise<{ keycode: string; sittingId: string }> {
	await admin.getByRole('link', { name: 'Sittings' }).first().click();
	await admin.getByLabel('Paper').selectOption(o.paper);
	await admin.getByLabel('Date and time').fill(bookingTime(o.minutesAhead ?? 0));
	await admin.getByLabel('Room').fill(o.room);
	await admin.getByLabel(/Indra Invigilator/).check();
	for (const c of o.candidates) await admin.getByLabel(c).check();
	await admin.getByRole('button', { name: 'Book sitting' }).click();
	await admin.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
	return {
		keycode: (await admin.locator('.reference').textContent())!.trim(),
		sittingId: admin.url().split('/').pop()!
	};
}

/** Signs a candidate of the demo centre (900001) in with their number and the keycode, and waits for the exam page. */
export async function candidateSignIn(
	page: Page,
	candidateNumber: string,
	keycode: string
): Promise<void> {
	await page.goto('/candidate/signin');
	await page.getByLabel('Centre number').fill('900001');
	await page.getByLabel('Candidate number').fill(candidateNumber);
	await page.getByLabel('Keycode').fill(keycode);
	await page.getByRole('button', { name: 'Start' }).click();
	await page.waitForURL('**/candidate/exam');
}

/** Seconds on the exam page's timer ("Time left 12:34", "1:02:03"). */
export async function timerSeconds(p: Page): Promise<number> {
	const text = (await p.getByRole('timer').textContent()) ?? '';
	const m = /(\d+:)?(\d+):(\d+)\s*$/.exec(text);
	if (!m) throw new Error(`No time on the timer: "${text}"`);
	return (m[1] ? Number(m[1].slice(0, -1)) * 3600 : 0) + Number(m[2]) * 60 + Number(m[3]);
}
