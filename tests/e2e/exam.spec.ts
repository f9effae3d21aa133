import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookSitting,
	candidateSignIn,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs,
	timerSeconds
} from './browser.js';

/*
 * A whole sitting in real Chromium: the centre books it, two candidates and an invigilator in
 * separate browser contexts. The paper is the e2e bank's 8992-901-T (1 minute's reading, 10
 * minutes; items 1, 2, 3(a), 3(b)); candidate 0002 has 25% extra time on the register.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Page;
let invigilator: Page;
let candA: Page; // reassigned when Aisha moves computer
let candB: Page;
let keycode = '';
let consoleUrl = '';

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });

function row(name: string): Locator {
	return invigilator.locator('tbody tr', { hasText: name });
}

async function openActions(name: string): Promise<Locator> {
	const r = row(name);
	const details = r.locator('details');
	if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
		await r.getByText('Actions', { exact: false }).first().click();
	return r;
}

/** Presses Tab until the focused element matches; the test fails if it never does. */
async function tabTo(p: Page, describe: string, match: (el: Element) => boolean): Promise<void> {
	for (let i = 0; i < 300; i++) {
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

beforeAll(async () => {
	browser = await launchBrowser();
	admin = await page();
	invigilator = await page();
	candA = await page();
	candB = await page();
	await signInAs(admin, 'centre_admin');
	await signInAs(invigilator, 'invigilator');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('a whole sitting, from booking to submit', () => {
	it('the centre books a sitting; the keycode has no look-alike characters', async () => {
		const booked = await bookSitting(admin, {
			paper: '8992-901-T',
			room: 'Room 2',
			candidates: [/0001 Aisha Khan/, /0002 Ben Okafor/]
		});
		keycode = booked.keycode;
		expect(keycode).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);
		consoleUrl = `/invigilate/${booked.sittingId}`;
		await expectAccessible(admin);
		const pdf = await admin.request.get(`${admin.url()}/register.pdf`);
		expect(pdf.headers()['content-type']).toBe('application/pdf');
		expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
	});

	it('a wrong keycode is refused (without saying which detail is wrong); the right one (in lower case) opens the waiting screen', async () => {
		await candA.goto('/candidate/signin');
		await expectAccessible(candA);
		await candA.getByLabel('Centre number').fill('900001');
		await candA.getByLabel('Candidate number').fill('0001');
		await candA.getByLabel('Keycode').fill('ZZZZZZ' === keycode ? 'YYYYYY' : 'ZZZZZZ');
		await candA.getByRole('button', { name: 'Start' }).click();
		await waitText(candA.getByRole('alert'), 'do not match a sitting that is open now');
		await candidateSignIn(candA, '0001', keycode.toLowerCase());
		await waitText(candA.locator('.waiting'), 'your invigilator will start the exam');
		expect(await candA.locator('textarea').count()).toBe(0);
		await expectAccessible(candA);
	});

	it('candidate B signs in with the keyboard alone', async () => {
		await candB.goto('/candidate/signin');
		await tabTo(candB, 'Centre number', (el) => el.id === 'centre_number');
		await candB.keyboard.type('900001');
		await candB.keyboard.press('Tab');
		await candB.keyboard.type('0002');
		await candB.keyboard.press('Tab');
		await candB.keyboard.type(keycode);
		await candB.keyboard.press('Enter');
		await candB.waitForURL('**/candidate/exam');
	});

	it('the invigilator marks attendance and starts: reading time shows the paper read-only', async () => {
		await invigilator.goto(consoleUrl);
		await expectAccessible(invigilator);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(row('Aisha Khan'), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await waitText(row('Aisha Khan'), 'reading');
		// Each candidate's screen changes by itself within 5 seconds.
		await candA.getByLabel('Answer to question 1', { exact: true }).waitFor({ timeout: 5000 });
		await waitText(candA.getByRole('timer'), 'Reading time');
		expect(
			await candA.getByLabel('Answer to question 1', { exact: true }).getAttribute('readonly')
		).not.toBeNull();
		await expectAccessible(candA);
	});

	it('answering opens when reading ends; answers save and survive a reload', async () => {
		const box = candA.getByLabel('Answer to question 1', { exact: true });
		await candA.waitForFunction(
			() => !(document.getElementById('answer-1') as HTMLTextAreaElement).readOnly,
			null,
			{ timeout: 75_000 }
		);
		await waitText(candA.getByRole('timer'), 'Time left');
		await box.pressSequentially('Internal customers are colleagues.', { delay: 10 });
		await candA
			.getByLabel('Answer to question 3(a)', { exact: true })
			.fill('Keep records private.');
		await waitText(candA.getByRole('status'), /All answers saved \d\d:\d\d:\d\d/);
		await expectAccessible(candA);
		await candA.reload();
		expect(await candA.getByLabel('Answer to question 1', { exact: true }).inputValue()).toBe(
			'Internal customers are colleagues.'
		);
		expect(await candA.getByLabel('Answer to question 3(a)', { exact: true }).inputValue()).toBe(
			'Keep records private.'
		);
		// The exam page renders in the browser only: the server's HTML holds no answer box for text to
		// be typed into before the page is live. The page's data carries the question paper only:
		// no grid, guidance or boundaries (e2e bank: validPaper()).
		const html = await (await candA.request.get('/candidate/exam')).text();
		expect(html).not.toMatch(/<textarea/);
		// The page's data names the paper's own address (built once per paper version, compressed).
		const pageData = await (await candA.request.get('/candidate/exam/__data.json')).text();
		const paperUrl = /"(\/api\/papers\/[^"]+\.json)"/.exec(pageData)?.[1];
		expect(paperUrl).toBeDefined();
		const paperRes = await candA.request.get(paperUrl!, { headers: { 'accept-encoding': 'gzip' } });
		expect(paperRes.headers()['content-encoding']).toBe('gzip');
		const paper = await paperRes.text();
		expect(paper).toContain('Identify two types of customer.');
		for (const body of [html, pageData, paper]) {
			expect(body).not.toContain('Accept other valid points');
			expect(body).not.toMatch(/first_class|"grid"|grid:|boundaries/);
		}
	});

	it('offline while typing: answers are kept on the computer, then every character reaches the server', async () => {
		const box = candA.getByLabel('Answer to question 2', { exact: true });
		await candA.context().setOffline(true);
		await box.click();
		const typed = 'Face to face, telephone and email. '.repeat(7);
		// Several seconds of typing with the network down: the page's saves fail and it keeps retrying
		// (ten minutes offline, on a fast-forwarded clock, is faults.spec's).
		await box.pressSequentially(typed, { delay: 25, timeout: 60_000 });
		await waitText(candA.getByRole('status'), 'Offline – 1 answer kept on this computer');
		await candA.context().setOffline(false);
		await waitText(candA.getByRole('status'), /All answers saved/, 20_000);
		// Forget everything this browser kept: what comes back now came from the database.
		await candA.evaluate(() => localStorage.clear());
		await candA.reload();
		expect(await candA.getByLabel('Answer to question 2', { exact: true }).inputValue()).toBe(
			typed
		);
	});

	it('a failed computer: the invigilator allows a move; the candidate carries on at another with every answer and their own clock', async () => {
		const before = await timerSeconds(candA);
		const r = await openActions('Aisha Khan');
		const form = r.locator('form[action="?/allow_move"]');
		await form.getByLabel('Reason').fill('Computer froze');
		await form.getByRole('button', { name: 'Allow move to another computer' }).click();
		await waitText(row('Aisha Khan'), 'may move computer');
		const moved = await page();
		await candidateSignIn(moved, '0001', keycode);
		await moved.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 10_000 }
		);
		expect(await moved.getByLabel('Answer to question 1', { exact: true }).inputValue()).toBe(
			'Internal customers are colleagues.'
		);
		expect(await moved.getByLabel('Answer to question 2', { exact: true }).inputValue()).toContain(
			'Face to face, telephone and email.'
		);
		const after = await timerSeconds(moved);
		expect(after).toBeLessThanOrEqual(before);
		expect(after).toBeGreaterThan(before - 60);
		// The old computer learns it no longer holds the exam, and the exam gives way to a message.
		await waitText(candA.getByRole('status'), 'Your exam has moved to another computer.', 10_000);
		await candA
			.getByRole('heading', { name: 'This exam has moved to another computer.' })
			.waitFor({ timeout: 5000 });
		expect(await candA.locator('textarea').count()).toBe(0);
		await expectAccessible(moved);
		candA = moved;
	});

	it("a pause shows on the candidate's screen within 5 seconds and stops their clock", async () => {
		await invigilator.goto(consoleUrl);
		const r = await openActions('Aisha Khan');
		await r.locator('form[action="?/pause"]').getByLabel('Reason').fill('Fire alarm test');
		await r.locator('form[action="?/pause"]').getByRole('button', { name: 'Pause' }).click();
		await waitText(candA.getByRole('alert'), 'Your exam is paused', 5000);
		await waitText(candA.getByRole('alert'), 'Fire alarm test');
		const frozen = await timerSeconds(candA);
		const since = Date.now();
		await candA.waitForFunction((t) => Date.now() - t > 2500, since);
		expect(await timerSeconds(candA)).toBe(frozen);
		expect(
			await candA.getByLabel('Answer to question 1', { exact: true }).getAttribute('readonly')
		).not.toBeNull();
		await expectAccessible(candA);
		await waitText(row('Aisha Khan'), 'paused: Fire alarm test');
		const r2 = await openActions('Aisha Khan');
		await r2.locator('form[action="?/resume"]').getByLabel('Reason').fill('Alarm test over');
		await r2.getByRole('button', { name: 'Resume' }).click();
		await candA
			.getByRole('alert')
			.filter({ hasText: 'Your exam is paused' })
			.waitFor({ state: 'detached', timeout: 5000 });
	});

	it('extra time moves their deadline within 5 seconds', async () => {
		const before = await timerSeconds(candA);
		const r = await openActions('Aisha Khan');
		const form = r.locator('form[action="?/extend"]');
		await form.getByLabel('Extra minutes').fill('10');
		await form.getByLabel('Reason').fill('Computer restarted');
		await form.getByRole('button', { name: 'Give extra time' }).click();
		await candA.waitForFunction(
			(min) => {
				const m = /(\d+:)?(\d+):(\d+)\s*$/.exec(
					document.querySelector('[role="timer"]')?.textContent ?? ''
				);
				return (
					!!m && (m[1] ? parseInt(m[1]) * 3600 : 0) + parseInt(m[2]!) * 60 + parseInt(m[3]!) >= min
				);
			},
			before + 9 * 60,
			{ timeout: 5000 }
		);
		await waitText(row('Aisha Khan'), '+10 min');
	});

	it('candidate B does the whole exam with the keyboard alone, flags a question, reviews and submits', async () => {
		await candB.waitForFunction(
			() => !(document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly,
			null,
			{ timeout: 30_000 }
		);
		expect(await timerSeconds(candB)).toBeGreaterThan(10 * 60); // 25% extra time on 10 minutes
		await tabTo(candB, 'answer 1', (el) => el.id === 'answer-1');
		await candB.keyboard.type('Customers can be internal or external.');
		await tabTo(
			candB,
			'flag for question 2',
			(el) => el.textContent?.includes('Flag question 2 for review') ?? false
		);
		await candB.keyboard.press('Enter');
		await tabTo(candB, 'answer 3(b)', (el) => el.id === 'answer-3.b');
		await candB.keyboard.type('Listen, apologise, agree a solution and follow it up.');
		await tabTo(candB, 'Review and submit', (el) => el.textContent?.trim() === 'Review and submit');
		await candB.keyboard.press('Enter');
		await candB.getByRole('heading', { name: 'Review your answers' }).waitFor();
		const table = (await candB.locator('table').textContent()) ?? '';
		expect(table).toContain('Flagged for review');
		expect(table).toContain('Not answered');
		await expectAccessible(candB);
		await tabTo(
			candB,
			'the confirmation box',
			(el) => (el as HTMLInputElement).type === 'checkbox'
		);
		await candB.keyboard.press('Space');
		await tabTo(candB, 'Submit exam', (el) => el.textContent?.trim() === 'Submit exam');
		await candB.keyboard.press('Enter');
		await candB
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 10_000 });
		expect(await candB.locator('.reference').textContent()).toMatch(/^R-[A-Z2-9]{8}$/);
		await expectAccessible(candB);
	});

	it('candidate A submits after the review, and the console shows both submitted', async () => {
		await candA.getByRole('button', { name: 'Review and submit' }).first().click();
		await candA.getByRole('button', { name: 'Submit exam' }).click();
		await waitText(candA.getByRole('alert'), 'Tick the box');
		await candA.getByLabel(/I have finished/).check();
		await candA.getByRole('button', { name: 'Submit exam' }).click();
		await candA
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 10_000 });
		await waitText(row('Aisha Khan'), 'submitted');
		await waitText(row('Ben Okafor'), 'submitted');
		expect(await row('Aisha Khan').locator('td').nth(2).textContent()).toBe('3 / 4');
		await expectAccessible(invigilator);
		const report = await invigilator.request.get(`${consoleUrl}/report.pdf`);
		expect(report.headers()['content-type']).toBe('application/pdf');
		expect((await report.body()).subarray(0, 5).toString()).toBe('%PDF-');
	});
});

describe('the server owns the deadline', () => {
	it("an idle candidate is submitted at the deadline with what they had saved; a rest break stops only its taker's clock; ending the sitting submits the rest", async () => {
		const booked = await bookSitting(admin, {
			paper: '8992-902-T',
			room: 'Room 2',
			candidates: [/0003 Chloe Murphy/, /0004 Dylan Evans/]
		});
		const cand = await page();
		const dylan = await page();
		await candidateSignIn(cand, '0003', booked.keycode);
		await candidateSignIn(dylan, '0004', booked.keycode);
		await invigilator.goto(`/invigilate/${booked.sittingId}`);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(row('Chloe Murphy'), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await cand.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 80_000 }
		);
		await cand.getByLabel('Answer to question 1', { exact: true }).fill('Saved before the end.');
		await waitText(cand.getByRole('status'), /All answers saved/);

		// Dylan's arrangements include rest breaks: his own button stops his own clock.
		await dylan.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 10_000 }
		);
		await dylan.getByRole('button', { name: 'Start a rest break' }).click();
		await waitText(dylan.getByRole('alert'), 'Your time has stopped for your rest break', 5000);
		await waitText(row('Dylan Evans'), 'paused: rest break (the candidate’s own)');
		const frozen = await timerSeconds(dylan);
		expect(await cand.getByRole('button', { name: 'Start a rest break' }).count()).toBe(0);
		await expectAccessible(dylan);
		// Then nothing: the candidate does not submit. The server does, at the deadline.
		await cand
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 90_000 });
		await waitText(row('Chloe Murphy'), 'submitted', 10_000);
		expect(await row('Chloe Murphy').locator('td').nth(2).textContent()).toBe('1 / 4');

		// Dylan's clock stood still through his break, so he is still in: he ends it and answers.
		expect(await timerSeconds(dylan)).toBe(frozen);
		await dylan.getByRole('button', { name: 'End rest break' }).click();
		await dylan.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 5000 }
		);
		await dylan
			.getByLabel('Answer to question 2', { exact: true })
			.fill('Typed just before the invigilator ended the sitting.');
		await waitText(dylan.getByRole('status'), /All answers saved/);
		// The invigilator ends the sitting: Dylan's screen shows his receipt by itself.
		invigilator.once('dialog', (d) => void d.accept());
		await invigilator.getByRole('button', { name: 'End the sitting' }).click();
		await dylan
			.getByRole('heading', { name: 'Your exam has been submitted' })
			.waitFor({ timeout: 10_000 });
		expect(await dylan.locator('.reference').textContent()).toMatch(/^R-[A-Z2-9]{8}$/);
		await waitText(row('Dylan Evans'), 'submitted', 10_000);
		expect(await row('Dylan Evans').locator('td').nth(2).textContent()).toBe('1 / 4');
	}, 240_000);
});
