import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bookingTime, expectAccessible, launchBrowser, newContext, signInAs } from './browser.js';

/*
 * Quality control of marking in real Chromium, on a paper of its own (8992-903-T, items 1, 2, 3(a),
 * 3(b), 5 marks each): the lead sets the paper's settings and agrees a seed; a new marker is held at
 * standardisation until they mark it within tolerance; the first marker's scripts go blind to the
 * new marker; a pair out of tolerance goes to the moderator, who sees both and decides.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
let centre: Page;
let invigilator: Page;
let admin: Page;
let lead: Page;
let morgan: Page;
let sam: Page;
const PAPER = '8992-903-T';
const NAMES = ['Aisha', 'Khan', 'Chloe', 'Murphy', '900001', 'Room 5'];
const FIRST_NOTE = 'First marker thought this answer was full';
const ITEMS = ['1', '2', '3(a)', '3(b)'];
/** Morgan's two scripts: number → id. */
const scripts: { number: string; id: string }[] = [];

async function page(): Promise<Page> {
	const c = await newContext(browser);
	contexts.push(c);
	return c.newPage();
}

const waitText = (l: Locator, text: string | RegExp, timeout = 10_000) =>
	l.filter({ hasText: text }).first().waitFor({ timeout });

async function expectNoCandidate(p: Page): Promise<void> {
	const html = await p.content();
	for (const n of NAMES) expect(html, p.url()).not.toContain(n);
}

/** Marks a whole script on the marking screen, question by question, "Save and next". */
async function markScript(
	p: Page,
	scriptId: string,
	marks: number[],
	comment?: string
): Promise<void> {
	await p.goto(`/mark/scripts/${scriptId}`);
	for (const [n, label] of ITEMS.entries()) {
		const field = p.getByLabel(`Mark for question ${label}`, { exact: true });
		await field.waitFor();
		await field.fill(String(marks[n]));
		if (comment) await p.getByLabel('Comment (optional)').fill(comment);
		await p.getByRole('button', { name: 'Save and next' }).click();
		if (n < ITEMS.length - 1)
			await p.getByLabel(`Mark for question ${ITEMS[n + 1]}`, { exact: true }).waitFor();
	}
	// On to the marker's next script of the paper, or back to the queue when none is left.
	await p.waitForURL(/[?&]marked=S-/);
}

/** The scripts of the paper in a marker's queue: number, id and status. */
async function queue(p: Page): Promise<{ number: string; id: string; status: string }[]> {
	await p.goto('/mark');
	const rows = p
		.locator('section.queue-paper', { has: p.getByRole('heading', { name: new RegExp(PAPER) }) })
		.locator('tbody tr');
	const out = [];
	for (let i = 0; i < (await rows.count()); i++) {
		const link = rows.nth(i).locator('a');
		out.push({
			number: (await link.textContent())!.trim(),
			id: (await link.getAttribute('href'))!.split('/').pop()!,
			status: (await rows.nth(i).locator('td').last().textContent())!.trim()
		});
	}
	return out;
}

/** Gets the standardisation script and marks it with `marks`. */
async function standardise(p: Page, marks: number[]): Promise<void> {
	await p.goto('/mark/standardisation');
	const section = p.locator('section', {
		has: p.getByRole('heading', { name: new RegExp(PAPER) })
	});
	await section.getByRole('button', { name: 'Get standardisation scripts' }).click();
	await waitText(p.getByRole('status'), '1 standardisation script is now in your queue');
	await expectAccessible(p);
	const q = await queue(p);
	expect(q).toHaveLength(1);
	// Live marking is closed, in words, while the seed waits.
	expect(await p.locator('section.queue-paper', { hasText: PAPER }).textContent()).toMatch(
		/Live marking on this paper opens when/
	);
	await markScript(p, q[0]!.id, marks);
}

beforeAll(async () => {
	browser = await launchBrowser();
	[centre, invigilator, admin, lead, morgan, sam] = [
		await page(),
		await page(),
		await page(),
		await page(),
		await page(),
		await page()
	];
	await signInAs(centre, 'centre_admin');
	await signInAs(invigilator, 'invigilator');
	await signInAs(admin, 'awarding_admin');
	await signInAs(lead, 'moderator');
	await signInAs(morgan, 'marker');
});
afterAll(async () => {
	for (const c of contexts) await c.close();
	await browser?.close();
});

describe('quality control of marking', () => {
	it('a sitting of the paper is sat and ended: two scripts', async () => {
		await centre.getByRole('link', { name: 'Sittings' }).first().click();
		await centre.getByLabel('Paper').selectOption(PAPER);
		await centre.getByLabel('Date and time').fill(bookingTime());
		await centre.getByLabel('Room').fill('Room 5');
		await centre.getByLabel(/Indra Invigilator/).check();
		await centre.getByLabel(/0001 Aisha Khan/).check();
		await centre.getByLabel(/0003 Chloe Murphy/).check();
		await centre.getByRole('button', { name: 'Book sitting' }).click();
		await centre.waitForURL(/\/sittings\/[0-9a-f-]{36}$/);
		const keycode = (await centre.locator('.reference').textContent())!.trim();
		const sittingId = centre.url().split('/').pop()!;
		const candidates: Page[] = [];
		for (const number of ['0001', '0003']) {
			const p = await page();
			candidates.push(p);
			await p.goto('/candidate/signin');
			await p.getByLabel('Centre number').fill('900001');
			await p.getByLabel('Candidate number').fill(number);
			await p.getByLabel('Keycode').fill(keycode);
			await p.getByRole('button', { name: 'Start' }).click();
			await p.waitForURL('**/candidate/exam');
		}
		await invigilator.goto(`/invigilate/${sittingId}`);
		await invigilator.getByRole('button', { name: 'Mark everyone present' }).click();
		await waitText(invigilator.locator('tbody tr', { hasText: 'Aisha Khan' }), '(present)');
		await invigilator.getByRole('button', { name: 'Start the sitting' }).click();
		// Each candidate answers every question (every one is marked above 0, and a blank answer
		// scores 0), then the sitting ends: the attempts are submitted and become scripts.
		for (const p of candidates) {
			await p.waitForFunction(
				() =>
					(document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly === false,
				null,
				{ timeout: 15_000 }
			);
			for (const label of ITEMS)
				await p
					.getByLabel(`Answer to question ${label}`, { exact: true })
					.fill(`An answer to question ${label}.`);
			await waitText(p.getByRole('status'), /All answers saved/);
		}
		invigilator.once('dialog', (d) => void d.accept());
		await invigilator.getByRole('button', { name: 'End the sitting' }).click();
		for (const p of candidates)
			await p
				.getByRole('heading', { name: 'Your exam has been submitted' })
				.waitFor({ timeout: 15_000 });
	});

	it('the lead sets the paper’s marking settings and agrees a seed script with a rationale', async () => {
		await lead.goto(`/mark/settings?paper=${PAPER}`);
		await expectAccessible(lead);
		const set = async (label: RegExp, value: string) => lead.getByLabel(label).fill(value);
		await set(/Second-marking sample/, '100');
		await set(/Second-mark every script within/, '0');
		await set(/Refer to a moderator when/, '0');
		await set(/one seed in this many scripts/, '0');
		await set(/Seed tolerance per question/, '1');
		await set(/Seed tolerance per script/, '2');
		await set(/Seeds in a row within tolerance to qualify/, '1');
		await set(/Seeds in a row out of tolerance/, 'two');
		await lead.getByRole('button', { name: 'Save settings' }).click();
		await waitText(lead.getByRole('alert'), 'must be a whole number');
		await expectAccessible(lead);
		await set(/Seeds in a row out of tolerance/, '2');
		await lead.getByRole('button', { name: 'Save settings' }).click();
		await waitText(lead.getByRole('status'), 'Settings saved');

		await lead.goto(`/mark/seeds?paper=${PAPER}`);
		await expectAccessible(lead);
		const live = lead.locator('ul.script-numbers a');
		expect(await live.count()).toBe(2);
		await live.first().click();
		await lead.waitForURL(/\/mark\/seeds\/new\?script=S-/);
		await expectAccessible(lead);
		await expectNoCandidate(lead);
		for (const label of ITEMS)
			await lead.getByLabel(`Agreed mark for question ${label}`).fill(label === '1' ? '9' : '2');
		await lead
			.getByLabel('Rationale')
			.fill('Two creditworthy points on each question; nothing for repetition.');
		await lead.getByRole('button', { name: 'Save seed' }).click();
		await waitText(
			lead.getByRole('alert'),
			'Mark for question 1 must be a whole number from 0 to 5'
		);
		await lead.getByLabel('Agreed mark for question 1').fill('2');
		await lead.getByRole('button', { name: 'Save seed' }).click();
		await lead.waitForURL(/\/mark\/seeds\?paper=/);
		await waitText(lead.locator('tbody tr'), 'Two creditworthy points');
		await expectAccessible(lead);
	});

	it('a new marker is held at standardisation until they mark the seed within tolerance', async () => {
		await admin.goto('/admin/users');
		await admin.getByLabel('Email address').fill('sam.second@example.test');
		await admin.getByLabel('Full name').fill('Sam Second');
		await admin.getByLabel('Role').selectOption('marker');
		await admin.getByRole('button', { name: 'Create account' }).click();
		const link = (await admin.getByRole('status').locator('code').textContent())!;
		await sam.goto(link);
		await sam.getByLabel('New password (at least 12 characters)').fill('a long enough password');
		await sam.getByLabel('New password again').fill('a long enough password');
		await sam.getByRole('button', { name: 'Set password and sign in' }).click();
		await sam.waitForURL((u) => u.pathname === '/mark');

		await sam.goto('/mark/standardisation');
		await expectAccessible(sam);
		const section = sam.locator('section', {
			has: sam.getByRole('heading', { name: new RegExp(PAPER) })
		});
		expect(await section.textContent()).toMatch(
			/Standardising.*last 1 standardisation scripts are within tolerance \(now 0 of 1\)/s
		);
		// Nothing of the seed's agreed marks before qualifying.
		expect(await section.textContent()).not.toContain('Two creditworthy points');

		// 2, 2, 2, 3 against 2 each: within 1 per question and 2 on the script.
		await standardise(sam, [2, 2, 2, 3]);
		await sam.goto('/mark/standardisation');
		const after = (await section.textContent())!;
		expect(after).toContain('Live marking');
		expect(after).toContain('within tolerance (your total 9, agreed 8)');
		expect(after).toContain('+1');
		expect(after).toContain('Two creditworthy points');
		await expectAccessible(sam);

		// The first marker qualifies the same way.
		await standardise(morgan, [2, 2, 2, 2]);
	}, 120_000);

	it('a second marker marks blind: nothing of the first marks reaches them', async () => {
		await admin.goto('/admin/marking');
		await admin.locator('tbody tr', { hasText: PAPER }).getByRole('link').click();
		await admin.waitForURL(/\/admin\/marking\/[0-9a-f-]{36}$/);
		await admin.getByLabel(/Morgan Marker/).check();
		await admin.getByLabel(/Whole scripts/).check();
		await admin.getByRole('button', { name: 'Allocate', exact: true }).click();
		await waitText(admin.getByRole('status'), /Allocated 2 scripts: Morgan Marker 2\./);

		const mine = (await queue(morgan)).filter((s) => s.status === 'Not started');
		expect(mine).toHaveLength(2);
		scripts.push(...mine);
		await markScript(morgan, scripts[0]!.id, [5, 5, 5, 5], FIRST_NOTE);
		await markScript(morgan, scripts[1]!.id, [1, 1, 1, 1]);

		// First marking of the paper complete: 100% sample, both to the only other qualified marker.
		const theirs = (await queue(sam)).filter((s) => s.status === 'Not started');
		expect(theirs.map((s) => s.number).sort()).toEqual(scripts.map((s) => s.number).sort());
		await sam.goto(`/mark/scripts/${scripts[0]!.id}`);
		const field = sam.getByLabel('Mark for question 1', { exact: true });
		await field.waitFor();
		expect(await field.inputValue()).toBe('');
		await waitText(sam.locator('.script-total'), 'Script total: 0 of 20');
		const html = await sam.content();
		expect(html).not.toContain(FIRST_NOTE);
		expect(html).not.toContain('Morgan');
		for (const item of ['1', '2', '3.a', '3.b']) {
			const data = await (
				await sam.request.get(`/mark/scripts/${scripts[0]!.id}/__data.json?item=${item}`)
			).text();
			expect(data).not.toContain(FIRST_NOTE);
			expect(data).not.toContain('Morgan');
			for (const n of NAMES) expect(data).not.toContain(n);
		}
		await expectAccessible(sam);
		// 0 against 20: beyond the tolerance; 1, 1, 1, 2 against 4: also beyond a tolerance of 0.
		await markScript(sam, scripts[0]!.id, [0, 0, 0, 0]);
	}, 120_000);

	it('a moderator sees both marks and the history, and resolves the pair', async () => {
		await lead.goto('/mark/moderation');
		await expectAccessible(lead);
		await expectNoCandidate(lead);
		const row = lead.locator('tbody tr', { hasText: scripts[0]!.number });
		await row.getByRole('link').click();
		await lead.waitForURL(/\/mark\/moderation\/[0-9a-f-]{36}$/);
		const main = (await lead.locator('main').textContent())!;
		expect(main).toMatch(/First total 20, second total 0/);
		expect(main).toContain(FIRST_NOTE);
		expect(main).toContain('Morgan Marker');
		expect(main).toContain('Sam Second');
		await expectAccessible(lead);
		await expectNoCandidate(lead);

		await lead.getByLabel('Moderator mark for question 1 (0 to 5)').fill('7');
		await lead.getByRole('button', { name: 'Save decision' }).click();
		await waitText(
			lead.getByRole('alert'),
			'Mark for question 1 must be a whole number from 0 to 5'
		);
		await expectAccessible(lead);
		for (const label of ITEMS)
			await lead.getByLabel(`Moderator mark for question ${label} (0 to 5)`).fill('3');
		await lead.getByLabel('Comment (optional)').fill('Generous first, severe second; three each.');
		await lead.getByRole('button', { name: 'Save decision' }).click();
		await waitText(lead.getByRole('status'), 'Decision saved');
		expect(await lead.getByRole('button', { name: 'Save decision' }).count()).toBe(0);
		expect(await lead.locator('main').textContent()).toMatch(/3 \(Moderator\)/);

		await lead.goto('/mark/moderation');
		expect(await lead.locator('table').nth(1).textContent()).toContain(scripts[0]!.number);
		await lead.goto(`/mark/markers?paper=${PAPER}`);
		await expectAccessible(lead);
		const morganRow = (await lead.locator('tbody tr', { hasText: 'Morgan Marker' }).textContent())!;
		expect(morganRow).toContain('Live marking');
		expect(morganRow).toContain('0 of 1 (0%)');
		await lead.locator('tbody tr', { hasText: 'Sam Second' }).getByRole('link').click();
		await expectAccessible(lead);
	}, 120_000);
});
