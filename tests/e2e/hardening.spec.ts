import { request, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookSitting,
	candidateSignIn,
	e2e,
	launchBrowser,
	newContext,
	signInAs
} from './browser.js';

/*
 * Security hardening over real HTTP in real Chromium: the Content-Security-Policy and the other
 * security headers on every kind of page, with no violation reported by the browser; cross-origin
 * state changes refused; bad input answered with a 4xx, never a 500. The sitting is booked here,
 * on the e2e bank's 8992-905-T (no reading time), for candidate 0005.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
const violations: string[] = [];
let admin: Page;
let invigilator: Page;
let centreHome = '';

/** A browser context that reports every CSP violation (and Permissions-Policy complaint) into `violations`. */
async function watchedPage(): Promise<Page> {
	const context = await newContext(browser);
	contexts.push(context);
	// Runs in each page before its own scripts (Playwright's init scripts are not subject to the page's CSP).
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(
				`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} ${e.sample}`
			);
		});
	});
	const page = await context.newPage();
	page.on('console', (msg) => {
		const text = msg.text();
		if (
			/Refused to|Content Security Policy|securitypolicyviolation|Permissions-Policy|Permissions policy/i.test(
				text
			)
		)
			violations.push(`${page.url()}: ${text}`);
	});
	return page;
}

/** The policy's directives, by name. */
function directives(header: string | undefined): Map<string, string[]> {
	return new Map(
		(header ?? '')
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name, ...values]) => [name!, values])
	);
}

function expectSecurityHeaders(res: { headers(): Record<string, string> } | null, what: string) {
	expect(res, what).not.toBeNull();
	const headers = res!.headers();
	const csp = directives(headers['content-security-policy']);
	expect(csp.get('default-src'), what).toEqual(["'self'"]);
	const scripts = csp.get('script-src') ?? [];
	expect(scripts[0], what).toBe("'self'");
	expect(
		scripts.some((s) => /^'nonce-[A-Za-z0-9+/=]+'$/.test(s)),
		`${what}: script nonce`
	).toBe(true);
	expect(scripts, what).not.toContain("'unsafe-inline'");
	expect(scripts, what).not.toContain("'unsafe-eval'");
	expect(csp.get('style-src') ?? [], what).not.toContain("'unsafe-inline'");
	expect(csp.get('frame-ancestors'), what).toEqual(["'none'"]);
	expect(csp.get('object-src'), what).toEqual(["'none'"]);
	expect(csp.get('base-uri'), what).toEqual(["'self'"]);
	expect(csp.get('form-action'), what).toEqual(["'self'"]);
	expect(csp.get('connect-src'), what).toEqual(["'self'"]);
	expect(csp.get('img-src'), what).toEqual(["'self'", 'data:']);
	expect(headers['permissions-policy'], what).toMatch(
		/camera=\(\).*geolocation=\(\).*microphone=\(\)/
	);
	expect(headers['x-frame-options'], what).toBe('DENY');
	expect(headers['x-content-type-options'], what).toBe('nosniff');
}

/** Opens a page, checks its headers, and waits until it has hydrated (SvelteKit's route announcer is mounted). */
async function visit(page: Page, path: string, status = 200): Promise<void> {
	const res = await page.goto(path);
	expect(res?.status(), path).toBe(status);
	expectSecurityHeaders(res, path);
	await page.waitForFunction(() => document.getElementById('svelte-announcer') !== null, null, {
		timeout: 10_000
	});
	// The two style attributes the policy allows by hash really apply (a blocked one would not).
	const styles = await page.evaluate(() => ({
		wrapper: getComputedStyle(document.body.firstElementChild!).display,
		announcer: getComputedStyle(document.getElementById('svelte-announcer')!).position
	}));
	expect(styles, path).toEqual({ wrapper: 'contents', announcer: 'absolute' });
}

beforeAll(async () => {
	browser = await launchBrowser();
	admin = await watchedPage();
	invigilator = await watchedPage();
	await signInAs(admin, 'centre_admin');
	centreHome = new URL(admin.url()).pathname;
	await signInAs(invigilator, 'invigilator');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('Content-Security-Policy', () => {
	it('pages signed out, and the error page, carry the policy and load with no violation', async () => {
		const page = await watchedPage();
		await visit(page, '/signin');
		await visit(page, '/candidate/signin');
		await visit(page, '/no-such-page', 404);
		// A client-side navigation too (the announcer then speaks the new title).
		await page.goto('/signin');
		await page.getByRole('link', { name: 'candidate page' }).click();
		await page.waitForURL('**/candidate/signin');
		expect(violations).toEqual([]);
	});

	it("every staff area's pages load with no violation", async () => {
		const adminPage = await watchedPage();
		await signInAs(adminPage, 'awarding_admin');
		await visit(adminPage, '/admin');
		// A client-side navigation (SvelteKit's router, then the announcer speaks the new title).
		await adminPage.getByRole('link', { name: 'Papers', exact: true }).first().click();
		await adminPage.waitForURL('**/admin/papers');
		await adminPage.getByRole('heading', { level: 1 }).waitFor();
		for (const path of [
			'/admin/papers/8992-111-A',
			'/admin/papers/8992-111-A/preview',
			'/admin/papers/8992-111-A/grid',
			'/admin/awarding',
			'/admin/papers/8992-113-B/awarding',
			'/admin/centres',
			'/admin/users',
			'/admin/audit',
			'/account'
		]) {
			await visit(adminPage, path);
		}
		for (const path of [centreHome, `${centreHome}/candidates`, `${centreHome}/sittings`])
			await visit(admin, path);
		await visit(invigilator, '/invigilate');
		const marker = await watchedPage();
		await signInAs(marker, 'marker');
		for (const path of ['/mark', '/mark/grids/8992-111-A']) await visit(marker, path);
		expect(violations).toEqual([]);
	});
});

describe('a sitting under the policy, and cross-origin requests', () => {
	let candidate: Page;
	let attemptId = '';
	let sittingId = '';

	it('the exam page (rendered in the browser) and the invigilator console work with no violation', async () => {
		await admin.goto(centreHome);
		const booked = await bookSitting(admin, {
			paper: '8992-905-T',
			room: 'Room 9',
			candidates: [/0005 Ewa Nowak/]
		});
		sittingId = booked.sittingId;
		await visit(admin, `${centreHome}/sittings/${sittingId}`);
		candidate = await watchedPage();
		await visit(candidate, '/candidate/signin');
		await candidateSignIn(candidate, '0005', booked.keycode);
		await candidate.waitForFunction(
			() => document.getElementById('svelte-announcer') !== null,
			null,
			{ timeout: 10_000 }
		);
		// Rendered in the browser (ssr = false), yet its boot script is inline: it carries the nonce.
		const shell = await candidate.request.get('/candidate/exam', {
			headers: { accept: 'text/html' }
		});
		expectSecurityHeaders(shell, '/candidate/exam');
		const nonce = /'nonce-([^']+)'/.exec(shell.headers()['content-security-policy'] ?? '')?.[1];
		expect(await shell.text()).toContain(`<script nonce="${nonce}"`);
		const data = await (await candidate.request.get('/candidate/exam/__data.json')).text();
		attemptId =
			/"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"/.exec(data)?.[1] ?? '';
		expect(attemptId).not.toBe('');

		await visit(invigilator, `/invigilate/${sittingId}`);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await invigilator
			.locator('tbody tr', { hasText: 'Ewa Nowak' })
			.filter({ hasText: '(present)' })
			.waitFor({ timeout: 10_000 });
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		// Answering at once (no reading time): the clock, the event stream and autosave all work under the policy.
		await candidate.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 20_000 }
		);
		await candidate.getByLabel('Answer to question 1', { exact: true }).fill('My own answer.');
		await candidate
			.getByRole('status')
			.filter({ hasText: /All answers saved/ })
			.first()
			.waitFor({ timeout: 10_000 });
		expect(violations).toEqual([]);
	}, 150_000);

	it('a state change from another origin is refused (403 with the reason) and changes nothing', async () => {
		const api = candidate.request; // the candidate's own cookies, as a forged request would carry them
		const forged = [
			() =>
				api.post(`/api/attempts/${attemptId}/submit`, {
					headers: { origin: 'https://evil.example' }
				}),
			() =>
				api.post(`/api/attempts/${attemptId}/submit`, {
					headers: { 'sec-fetch-site': 'cross-site' }
				}),
			() => api.post(`/api/attempts/${attemptId}/submit`, { headers: { origin: 'null' } }),
			() =>
				api.put(`/api/attempts/${attemptId}/responses/1`, {
					data: JSON.stringify({ seq: 1_000_000, text: 'Forged answer.' }),
					headers: { 'content-type': 'application/json', origin: 'https://evil.example' }
				}),
			() =>
				api.post(`/api/attempts/${attemptId}/rest-break`, {
					data: '{"start":true}',
					headers: { 'content-type': 'application/json', origin: 'https://evil.example' }
				})
		];
		for (const send of forged) {
			const res = await send();
			expect(res.status()).toBe(403);
			expect((await res.json()).error).toMatch(/refused/);
		}
		const clock = await (await api.get(`/api/attempts/${attemptId}/clock`)).json();
		expect(clock.state).toBe('in_progress');
		await candidate.reload();
		await candidate.waitForFunction(
			() =>
				(document.getElementById('answer-1') as HTMLTextAreaElement | null)?.value ===
				'My own answer.',
			null,
			{
				timeout: 10_000
			}
		);
		// The same submit from the app's own origin goes through.
		const own = await api.post(`/api/attempts/${attemptId}/submit`, {
			headers: { origin: e2e().baseURL }
		});
		expect(own.status()).toBe(200);
		expect((await own.json()).state).toBe('submitted');
	});
});

describe('bad input is a 4xx with a reason, never a 500', () => {
	it('a sitting id of 36 dashes, a paper code with a NUL byte', async () => {
		const dashes = '-'.repeat(36);
		expect((await invigilator.goto(`/invigilate/${dashes}`))?.status()).toBe(404);
		expect((await admin.goto(`${centreHome}/sittings/${dashes}`))?.status()).toBe(404);
		expect(
			(await admin.request.get(`${centreHome}/sittings/${dashes}/register.pdf`)).status()
		).toBe(404);
		const adminPage = await watchedPage();
		await signInAs(adminPage, 'awarding_admin');
		expect((await adminPage.goto('/admin/papers/%00'))?.status()).toBe(404);
		expect((await adminPage.request.get('/admin/papers/%00/__data.json')).status()).toBe(404);
	});

	it('a NUL byte in a sign-in field is a 400 with a message', async () => {
		const ctx = await request.newContext({ baseURL: e2e().baseURL });
		const headers = { origin: e2e().baseURL, accept: 'text/html' };
		const cand = await ctx.post('/candidate/signin', {
			form: { centre_number: '900001', candidate_number: '0005\0', keycode: 'ABCDEF' },
			headers,
			maxRedirects: 0
		});
		expect(cand.status()).toBe(400);
		expect(await cand.text()).toContain('NUL');
		const staff = await ctx.post('/signin', {
			form: { email: 'a\0@demo.test', password: 'x' },
			headers,
			maxRedirects: 0
		});
		expect(staff.status()).toBe(400);
		await ctx.dispose();
	});

	it('a 10 MB body is a 413 that says so', async () => {
		const ctx = await request.newContext({ baseURL: e2e().baseURL });
		const res = await ctx.post('/signin', {
			data: `email=${'a'.repeat(10 * 1024 * 1024)}`,
			headers: {
				origin: e2e().baseURL,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			}
		});
		expect(res.status()).toBe(413);
		expect(await res.text()).toContain('Request body too large');
		await ctx.dispose();
	});

	it('?next= with CR/LF or a tab after sign-in goes home, not to a 500 or another site', async () => {
		const page = await watchedPage();
		await signInAs(page, 'marker');
		// Each value as the server reads it from ?next= (so '/%09/evil.example' is sent as %2F%2509…).
		for (const next of [
			'/mark\r\nSet-Cookie: x=1',
			'/\t/evil.example',
			'/%09/evil.example',
			'/\\evil.example',
			'https://evil.example',
			'//evil.example'
		]) {
			const res = await page.goto(`/signin?next=${encodeURIComponent(next)}`);
			expect(res?.status(), JSON.stringify(next)).toBe(200);
			expect(new URL(page.url()).origin, JSON.stringify(next)).toBe(e2e().baseURL);
			expect(new URL(page.url()).pathname, JSON.stringify(next)).toBe('/mark');
		}
		// The reviewer's own link, typed into the address bar as it was: /signin?next=/%09/evil.example
		await page.goto('/signin?next=/%09/evil.example');
		expect(new URL(page.url()).origin).toBe(e2e().baseURL);
	});
});
