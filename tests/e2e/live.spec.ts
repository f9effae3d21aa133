import {
	createServer,
	request as httpRequest,
	type IncomingMessage,
	type Server,
	type ServerResponse
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookSitting,
	candidateSignIn,
	e2e,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs,
	timerSeconds
} from './browser.js';

/*
 * Live without polling (issue 13), in real Chromium against the built app: the candidate's page and
 * the invigilator's console hear of changes on their event streams, within a second, with no
 * polling; a stream that drops reconnects and the page shows the server's time again. The sitting
 * is booked here on the e2e bank's 8992-901-T (1 minute's reading) for a candidate this file
 * registers (3101), so no other spec's sitting is touched.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Page;
let invigilator: Page;
let candContext: BrowserContext;
let cand: Page;
let keycode = '';
let consoleUrl = '';
/** Every request the candidate's page made, in order. */
const candRequests: string[] = [];

/**
 * The candidate's computer reaches the app through this relay, so the test can break its network
 * path as a real outage would: open event streams cut, new ones refused, until restored. Everything
 * else (and the Host header, which the app's origin check reads) passes through unchanged.
 */
class Relay {
	private server!: Server;
	private readonly open = new Set<{ req: IncomingMessage; res: ServerResponse }>();
	down = false;
	async start(target: URL): Promise<string> {
		this.server = createServer((req, res) => {
			const isStream = (req.url ?? '').endsWith('/events');
			if (isStream && this.down) {
				req.socket.destroy();
				return;
			}
			const up = httpRequest(
				{
					host: target.hostname,
					port: target.port,
					path: req.url,
					method: req.method,
					headers: req.headers
				},
				(upRes) => {
					res.writeHead(upRes.statusCode ?? 502, upRes.headers);
					upRes.pipe(res);
				}
			);
			up.on('error', () => res.destroy());
			req.pipe(up);
			if (isStream) {
				const entry = { req, res };
				this.open.add(entry);
				res.on('close', () => {
					this.open.delete(entry);
					up.destroy();
				});
			}
		});
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}
	/** The network goes: every open stream is cut, new ones fail to connect. */
	cut(): number {
		this.down = true;
		const n = this.open.size;
		for (const { res } of this.open) res.socket?.destroy();
		return n;
	}
	restore(): void {
		this.down = false;
	}
	close(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((r) => this.server.close(() => r()));
	}
}
const relay = new Relay();

async function page(): Promise<{ context: BrowserContext; page: Page }> {
	const c = await newContext(browser);
	contexts.push(c);
	return { context: c, page: await c.newPage() };
}

const row = () => invigilator.locator('tbody tr', { hasText: 'Lena Live' });
const clockRequests = () => candRequests.filter((u) => u.includes('/clock')).length;

/** How long after `since` the locator shows `text` (fails after `timeout`). */
async function shownWithin(
	l: Locator,
	text: string | RegExp,
	since: number,
	timeout = 5000
): Promise<number> {
	await l.filter({ hasText: text }).first().waitFor({ timeout });
	return Date.now() - since;
}

/** Submits one of a row's console forms (they sit in its Actions disclosure) and waits for the server's answer. */
async function rowAction(action: string, fill: Record<string, string>): Promise<number> {
	const r = row();
	const details = r.locator('details');
	if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
		await r.getByText('Actions').click();
	const form = r.locator(`form[action="?/${action}"]`);
	for (const [label, value] of Object.entries(fill)) await form.getByLabel(label).fill(value);
	const answered = invigilator.waitForResponse(
		(res) => res.url().includes(`?/${action}`) && res.request().method() === 'POST'
	);
	// Sent from the keyboard (Enter in the last field), as an invigilator at a busy desk would: a
	// pointer click can miss when the row's live figures change its layout at that instant.
	await form.getByLabel(Object.keys(fill).at(-1)!).press('Enter');
	await answered;
	return Date.now();
}

beforeAll(async () => {
	browser = await launchBrowser();
	admin = (await page()).page;
	invigilator = (await page()).page;
	candContext = await browser.newContext({ baseURL: await relay.start(new URL(e2e().baseURL)) });
	contexts.push(candContext);
	cand = await candContext.newPage();
	cand.on('request', (r) => candRequests.push(r.url()));
	await signInAs(admin, 'centre_admin');
	await signInAs(invigilator, 'invigilator');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
	await relay.close();
});

describe('live updates, pushed', () => {
	it("a candidate's sign-in shows on the open console within a second, and the start reaches their page", async () => {
		await admin.getByRole('link', { name: 'Candidates' }).first().click();
		await admin.getByLabel('Candidate number').fill('3101');
		await admin.getByLabel('First name').fill('Lena');
		await admin.getByLabel('Last name').fill('Live');
		await admin.getByRole('button', { name: 'Register candidate' }).click();
		await expect(admin.getByRole('status').first().textContent()).resolves.toContain(
			'3101 Lena Live'
		);
		const booked = await bookSitting(admin, {
			paper: '8992-901-T',
			room: 'Room 11',
			candidates: [/3101 Lena Live/]
		});
		keycode = booked.keycode;
		consoleUrl = `/invigilate/${booked.sittingId}`;

		const consoleStream = invigilator.waitForResponse((r) =>
			r.url().endsWith(`${consoleUrl}/events`)
		);
		await invigilator.goto(consoleUrl);
		expect((await consoleStream).headers()['content-type']).toContain('text/event-stream');
		await row().filter({ hasText: 'not yet' }).waitFor();
		await candidateSignIn(cand, '3101', keycode);
		expect(await shownWithin(row(), /signed in at/, Date.now())).toBeLessThan(1000);

		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await row().filter({ hasText: '(present)' }).waitFor();
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await cand.getByLabel('Answer to question 1', { exact: true }).waitFor({ timeout: 5000 });
		await cand.getByRole('timer').filter({ hasText: 'Reading time' }).waitFor();
		await expectAccessible(invigilator);
	});

	it('a pause shows on the candidate page within a second, with no polling of the clock', async () => {
		const polledBefore = clockRequests();
		const done = await rowAction('pause', { Reason: 'Fire drill' });
		expect(await shownWithin(cand.getByRole('alert'), 'Your exam is paused', done)).toBeLessThan(
			1000
		);
		expect(clockRequests()).toBe(polledBefore);
		expect(candRequests.some((u) => u.includes('/events'))).toBe(true);
		await expectAccessible(cand);

		await rowAction('resume', { Reason: 'Drill over' });
		await cand
			.getByRole('alert')
			.filter({ hasText: 'Your exam is paused' })
			.waitFor({ state: 'detached', timeout: 5000 });
		expect(clockRequests()).toBe(polledBefore);
	});

	it('the stream dropped: the page says nothing alarming, reconnects, and shows the time the server gives', async () => {
		// The candidate's network goes: the open stream breaks and new ones cannot connect. Meanwhile
		// the invigilator pauses them and gives extra time.
		expect(relay.cut()).toBe(1);
		await rowAction('pause', { Reason: 'Network work' });
		await rowAction('extend', { 'Extra minutes': '7', Reason: 'Network work' });
		// Nothing on the page alarms the candidate (answers are kept as always).
		expect(await cand.getByRole('alert').count()).toBe(0);
		expect(await cand.getByRole('status').first().textContent()).not.toMatch(/error|lost|failed/i);

		const reconnected = cand.waitForResponse(
			(r) => r.url().includes('/events') && r.status() === 200,
			{ timeout: 40_000 }
		);
		relay.restore();
		await reconnected;
		await cand
			.getByRole('alert')
			.filter({ hasText: 'Your exam is paused' })
			.waitFor({ timeout: 5000 });
		// The page's time left is the server's: reading's 1 minute and the exam's 10, plus 7, less what has run.
		const shown = await timerSeconds(cand);
		await row().filter({ hasText: 'paused: Network work' }).waitFor();
		const consoleLeft = await row().locator('td.num').nth(1).textContent();
		const [mm, ss] = (consoleLeft ?? '').trim().split(':').map(Number);
		expect(Math.abs(shown - (mm! * 60 + ss!))).toBeLessThanOrEqual(2);
		expect(shown).toBeGreaterThan(16 * 60);
		await rowAction('resume', { Reason: 'Network back' });
		await cand
			.getByRole('alert')
			.filter({ hasText: 'Your exam is paused' })
			.waitFor({ state: 'detached', timeout: 5000 });
	});

	it('a save shows on the console within a second of its acknowledgement', async () => {
		// Answering opens when reading time (1 minute, less what has run) ends.
		await cand.waitForFunction(
			() => !(document.getElementById('answer-1') as HTMLTextAreaElement).readOnly,
			null,
			{ timeout: 75_000 }
		);
		const polledBefore = clockRequests();
		const acknowledged = cand.waitForResponse(
			(r) =>
				r.url().includes('/responses/1') && r.request().method() === 'PUT' && r.status() === 200
		);
		await cand
			.getByLabel('Answer to question 1', { exact: true })
			.fill('Colleagues are internal customers.');
		const ack = await acknowledged;
		const savedAt = ((await ack.json()) as { savedAt: string }).savedAt;
		const at = Date.now();
		const shownAs = new Date(savedAt).toLocaleTimeString('en-GB');
		expect(await shownWithin(row(), shownAs, at)).toBeLessThan(1000);
		await row().filter({ hasText: '1 / 4' }).waitFor({ timeout: 1000 });
		expect(clockRequests()).toBe(polledBefore);
	});
});
