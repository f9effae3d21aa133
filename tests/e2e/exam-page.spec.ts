import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	bookSitting,
	candidateSignIn,
	expectAccessible,
	launchBrowser,
	newContext,
	signInAs
} from './browser.js';

/*
 * The candidate's exam page as a new user finds it, in real Chromium: the navigator, reflow at
 * 390 px and at 200% zoom, contrast in every display mode, no way off the page mid-exam, and the
 * old computer after a move. The sitting is booked here, on the e2e bank's 8992-901-T (1 minute's
 * reading; items 1, 2, 3(a), 3(b)), for a candidate this file registers (3001), so no other spec's
 * sitting or candidate is touched.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Page;
let invigilator: Page;
let cand: Page;
/** The computer the exam moved to (the move test). */
let moved: Page;
let keycode = '';
let consoleUrl = '';

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });
const row = (name: string) => invigilator.locator('tbody tr', { hasText: name });

/** Sets a display mode by its buttons: text size 'normal' | 'large' | 'larger', and high contrast on or off. */
async function display(p: Page, size: 'normal' | 'large' | 'larger', high: boolean) {
	const pressed = async (name: string) =>
		(await p.getByRole('button', { name, exact: true }).getAttribute('aria-pressed')) === 'true';
	for (const [name, want] of [
		['Larger text', size === 'large'],
		['Largest text', size === 'larger'],
		['High contrast', high]
	] as const) {
		if ((await pressed(name)) !== want) await p.getByRole('button', { name, exact: true }).click();
	}
	await p.waitForFunction(
		([s, h]) =>
			document.documentElement.dataset.text === s &&
			document.documentElement.dataset.contrast === (h ? 'high' : ''),
		[size, high] as const
	);
}

/** Where the sticky bar ends, the chosen heading and box, and what has the keyboard. */
function placement(p: Page, key: string) {
	return p.evaluate((key) => {
		const box = document.getElementById(`answer-${key}`)!;
		// A question's heading ("Question 2"), or a part's own ("(b)" of Question 3).
		const heading = (box.closest('.part')?.querySelector('h4') ??
			box.closest('article')!.querySelector('h3'))!;
		const r = (el: Element) => {
			const b = el.getBoundingClientRect();
			return { top: b.top, bottom: b.bottom };
		};
		return {
			barBottom: document.querySelector('.exam-bar')!.getBoundingClientRect().bottom,
			viewport: window.innerHeight,
			heading: r(heading),
			headingText: heading.textContent!.trim(),
			box: r(box),
			focused: document.activeElement?.id
		};
	}, key);
}

function expectClearOfBar(pl: Awaited<ReturnType<typeof placement>>, what: string) {
	expect(pl.focused, what).toBe(`answer-${what}`);
	expect(
		pl.heading.top,
		`${what}: heading "${pl.headingText}" below the bar`
	).toBeGreaterThanOrEqual(pl.barBottom);
	expect(pl.box.top, `${what}: box below the bar`).toBeGreaterThanOrEqual(pl.barBottom);
	expect(pl.heading.bottom, `${what}: heading on screen`).toBeLessThanOrEqual(pl.viewport);
	expect(pl.box.bottom, `${what}: box on screen`).toBeLessThanOrEqual(pl.viewport);
}

/** The navigator's link to an item. */
const navLink = (p: Page, key: string) =>
	p.locator(`nav[aria-label="Questions"] a[href="#answer-${key}"]`);

/** Words on screen that look like internal names ("in_progress", "rest_break"). */
async function internalWords(p: Page): Promise<string[]> {
	return p.evaluate(() => document.body.innerText.match(/\b[a-z]+_[a-z_]+\b/g) ?? []);
}

beforeAll(async () => {
	browser = await launchBrowser();
	admin = await page();
	invigilator = await page();
	cand = await page();
	await signInAs(admin, 'centre_admin');
	await signInAs(invigilator, 'invigilator');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe("the candidate's exam page", () => {
	it('a sitting is booked and started; the candidate is reading the paper', async () => {
		await admin.getByRole('link', { name: 'Candidates' }).first().click();
		await admin.getByLabel('Candidate number').fill('3001');
		await admin.getByLabel('First name').fill('Farah');
		await admin.getByLabel('Last name').fill('Wilde');
		await admin.getByRole('button', { name: 'Register candidate' }).click();
		await expect(admin.getByRole('status').first().textContent()).resolves.toContain(
			'3001 Farah Wilde'
		);
		const booked = await bookSitting(admin, {
			paper: '8992-901-T',
			room: 'Room 7',
			candidates: [/3001 Farah Wilde/]
		});
		keycode = booked.keycode;
		consoleUrl = `/invigilate/${booked.sittingId}`;

		await candidateSignIn(cand, '3001', keycode);
		await invigilator.goto(consoleUrl);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(row('Farah Wilde'), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		await cand.getByLabel('Answer to question 1', { exact: true }).waitFor({ timeout: 5000 });
		await waitText(cand.getByRole('timer'), 'Reading time');
		expect(await internalWords(cand)).toEqual([]);
	});

	it('choosing a question in the navigator shows its heading and box below the sticky bar, with the keyboard in the box', async () => {
		for (const [viewport, size] of [
			[{ width: 1280, height: 600 }, 'larger'],
			[{ width: 1280, height: 720 }, 'normal'],
			[{ width: 390, height: 844 }, 'large']
		] as const) {
			await cand.setViewportSize(viewport);
			await display(cand, size, false);
			// From the top to the last question, back up to the first, and to each in between, by mouse and by keyboard.
			for (const key of ['3.b', '1', '2', '3.a']) {
				await navLink(cand, key).click();
				expectClearOfBar(await placement(cand, key), key);
			}
			for (const key of ['2', '3.b']) {
				await navLink(cand, key).focus();
				await cand.keyboard.press('Enter');
				expectClearOfBar(await placement(cand, key), key);
			}
		}
		await display(cand, 'normal', false);
		await cand.setViewportSize({ width: 1280, height: 720 });
	});

	it('at 390 × 844 and at 200% zoom (640 px) the page reflows: no sideways scrolling, and the navigator never covers the question text', async () => {
		for (const [viewport, size] of [
			[{ width: 390, height: 844 }, 'normal'],
			[{ width: 390, height: 844 }, 'larger'],
			[{ width: 640, height: 360 }, 'normal'],
			[{ width: 640, height: 360 }, 'larger']
		] as const) {
			await cand.setViewportSize(viewport);
			await display(cand, size, false);
			const problems = await cand.evaluate(async () => {
				const found: string[] = [];
				const root = document.documentElement;
				const frame = () =>
					new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
				const nav = document.querySelector('nav[aria-label="Questions"]')!;
				const texts = [
					...document.querySelectorAll(
						'.exam-main h1, .exam-main h2, .exam-main h3, .exam-main h4, .exam-main .stem, .exam-main p'
					)
				];
				for (let y = 0; y <= root.scrollHeight; y += 150) {
					window.scrollTo(0, y);
					await frame();
					if (root.scrollWidth > root.clientWidth)
						found.push(
							`page scrolls sideways at y=${y}: ${root.scrollWidth} > ${root.clientWidth}`
						);
					const n = nav.getBoundingClientRect();
					for (const t of texts) {
						const b = t.getBoundingClientRect();
						if (b.width === 0 || b.height === 0) continue;
						const overlap =
							n.left < b.right && b.left < n.right && n.top < b.bottom && b.top < n.bottom;
						if (overlap)
							found.push(`navigator covers "${t.textContent!.trim().slice(0, 30)}" at y=${y}`);
					}
				}
				window.scrollTo(0, 0);
				return found;
			});
			expect(problems, `${viewport.width}×${viewport.height}, text ${size}`).toEqual([]);
		}
		await display(cand, 'normal', false);
		await cand.setViewportSize({ width: 1280, height: 720 });
	});

	it('every text on the page has 4.5:1 contrast against its own background, in every display mode (and axe agrees)', async () => {
		// Answering is open (the "Review and submit" button shows); flag a question so the pressed flag shows too.
		await cand.waitForFunction(
			() => !(document.getElementById('answer-1') as HTMLTextAreaElement).readOnly,
			null,
			{ timeout: 75_000 }
		);
		await cand
			.getByLabel('Answer to question 1', { exact: true })
			.fill('Internal and external customers.');
		await waitText(cand.getByRole('status'), /All answers saved/);
		await cand.getByRole('button', { name: 'Flag question 2 for review' }).click();
		expect(await internalWords(cand)).toEqual([]);
		for (const size of ['normal', 'large', 'larger'] as const) {
			for (const high of [false, true]) {
				await display(cand, size, high);
				const low = await cand.evaluate(() => {
					const rgb = (c: string) => {
						const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
						if (!m) throw new Error(`Unreadable colour ${c}`);
						return { r: +m[1]!, g: +m[2]!, b: +m[3]!, a: m[4] === undefined ? 1 : +m[4] };
					};
					const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
						const ch = (v: number) =>
							(v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
						return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
					};
					const background = (el: Element | null) => {
						for (; el; el = el.parentElement) {
							const c = rgb(getComputedStyle(el).backgroundColor);
							if (c.a > 0) return c;
						}
						return { r: 255, g: 255, b: 255, a: 1 };
					};
					const checks: [string, string][] = [
						['header', '.site-header .brand, .site-header a, .site-header span'],
						[
							'navigator',
							'nav[aria-label="Questions"] a, nav[aria-label="Questions"] p, nav[aria-label="Questions"] button'
						],
						[
							'question text',
							'.exam-main h1, .exam-main h2, .exam-main h3, .exam-main h4, .exam-main .stem, .exam-main p, .exam-main label, .exam-main .marks, .answer-tools span'
						],
						['buttons', 'button'],
						['status line', '[role="status"]'],
						['timer', '[role="timer"]'],
						['who', '.exam-bar .who'],
						['warning', '.warning, .error-summary']
					];
					const out: string[] = [];
					let seen = 0;
					for (const [what, selector] of checks) {
						for (const el of document.querySelectorAll(selector)) {
							if (el.closest('.visually-hidden') || (el as HTMLButtonElement).disabled) continue;
							const box = el.getBoundingClientRect();
							if (box.width === 0 || box.height === 0 || !(el.textContent ?? '').trim()) continue;
							seen++;
							const fg = rgb(getComputedStyle(el).color);
							const L1 = lum(fg);
							const L2 = lum(background(el));
							const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
							if (ratio < 4.5)
								out.push(
									`${what}: "${el.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 (${getComputedStyle(el).color} on ${JSON.stringify(background(el))})`
								);
						}
					}
					if (seen < 20) out.push(`only ${seen} texts checked`);
					return out;
				});
				expect(low, `text ${size}, high contrast ${high}`).toEqual([]);
				await expectAccessible(cand);
			}
		}
		await display(cand, 'normal', false);
	});

	it('no link leads away from the exam while it is open (the site name is plain text)', async () => {
		const leaving = () =>
			cand.evaluate(() =>
				[...document.querySelectorAll('a[href]')]
					.map((a) => new URL((a as HTMLAnchorElement).href, location.href))
					.filter(
						(u) =>
							u.origin !== location.origin ||
							u.pathname !== location.pathname ||
							u.search !== location.search
					)
					.map((u) => u.href)
			);
		expect(await leaving()).toEqual([]);
		expect(
			await cand
				.locator('.site-header')
				.getByText('8992 Customer Service Exams')
				.evaluate((el) => el.tagName)
		).not.toBe('A');
		await cand.getByRole('button', { name: 'Review and submit' }).first().click();
		await cand.getByRole('heading', { name: 'Review your answers' }).waitFor();
		expect(await leaving()).toEqual([]);
		expect(await internalWords(cand)).toEqual([]);
		// Choosing a question in the review table goes back to it, clear of the bar.
		await cand.getByRole('link', { name: 'Question 3(b)' }).click();
		expectClearOfBar(await placement(cand, '3.b'), '3.b');
		// Elsewhere the site name is still the way home.
		const other = await page();
		await other.goto('/candidate/signin');
		expect(await other.locator('.site-header a.brand').getAttribute('href')).toBe('/');
	});

	it('after a move, the old computer says the exam has moved, shows no clock and no way to submit, and keeps its unsent answer', async () => {
		// An answer typed while this computer is offline stays in its outbox.
		await cand.context().setOffline(true);
		await cand.getByLabel('Answer to question 2', { exact: true }).fill('Telephone and email.');
		await waitText(cand.getByRole('status'), 'Offline – 1 answer kept on this computer', 20_000);

		await invigilator.goto(consoleUrl);
		const r = row('Farah Wilde');
		await r.getByText('Actions', { exact: false }).first().click();
		const form = r.locator('form[action="?/allow_move"]');
		await form.getByLabel('Reason').fill('Screen failed');
		await form.getByRole('button', { name: 'Allow move to another computer' }).click();
		await waitText(row('Farah Wilde'), 'may move computer');
		moved = await page();
		await candidateSignIn(moved, '3001', keycode);
		await moved.waitForFunction(
			() => (document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
			null,
			{ timeout: 10_000 }
		);
		expect(await moved.getByLabel('Answer to question 1', { exact: true }).inputValue()).toBe(
			'Internal and external customers.'
		);

		// The old computer comes back online: its next save (or clock poll) is refused, and it says why.
		await cand.context().setOffline(false);
		await cand
			.getByRole('heading', { name: 'This exam has moved to another computer.' })
			.waitFor({ timeout: 20_000 });
		const main = (await cand.locator('main').innerText()).replace(/\s+/g, ' ');
		expect(main).toContain(
			'This exam has moved to another computer. Please speak to your invigilator.'
		);
		expect(main).toContain(
			'1 answer typed here had not reached the exam when it moved. It is kept in this browser'
		);
		expect(await cand.getByRole('timer').count()).toBe(0);
		expect(await cand.getByRole('button', { name: /Review and submit|Submit exam/ }).count()).toBe(
			0
		);
		expect(await cand.locator('textarea').count()).toBe(0);
		expect(await internalWords(cand)).toEqual([]);
		// The unsent answer is still in this browser's outbox.
		const outbox = await cand.evaluate(() => {
			const key = Object.keys(localStorage).find((k) => k.startsWith('exam-outbox:'))!;
			return JSON.parse(localStorage.getItem(key)!) as Record<string, { text: string }>;
		});
		expect(Object.keys(outbox)).toEqual(['2']);
		expect(outbox['2']!.text).toBe('Telephone and email.');
		await expectAccessible(cand);
		// The new computer carries on, with its clock.
		await waitText(moved.getByRole('timer'), 'Time left');
		await expectAccessible(moved);
	});

	it('a session that simply ends (here: signed out) says so, not "moved", and keeps the unsent answer in the outbox', async () => {
		await moved.context().setOffline(true);
		await moved
			.getByLabel('Answer to question 3(a)', { exact: true })
			.fill('Listen, then apologise.');
		await waitText(moved.getByRole('status'), 'Offline – 1 answer kept on this computer', 20_000);
		await moved.context().clearCookies();
		await moved.context().setOffline(false);
		await moved
			.getByRole('heading', { name: 'Your session has ended.' })
			.waitFor({ timeout: 20_000 });
		const main = (await moved.locator('main').innerText()).replace(/\s+/g, ' ');
		expect(main).toContain(
			'Please ask your invigilator, then sign in again to carry on with your exam.'
		);
		expect(main).toContain(
			'1 answer typed here had not reached the exam when the session ended. It is kept in this browser'
		);
		expect(main).not.toContain('moved to another computer');
		expect(await moved.getByRole('link', { name: 'sign in again' }).getAttribute('href')).toBe(
			'/candidate/signin'
		);
		const outbox = await moved.evaluate(() => {
			const key = Object.keys(localStorage).find((k) => k.startsWith('exam-outbox:'))!;
			return JSON.parse(localStorage.getItem(key)!) as Record<string, { text: string }>;
		});
		expect(outbox['3.a']?.text).toBe('Listen, then apologise.');
		await expectAccessible(moved);
	});
});
