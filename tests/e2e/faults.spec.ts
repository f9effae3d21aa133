/**
 * Crash and fault tests (issue 14), the quick versions (`npm run faults` runs the first three at
 * 2,000 candidates). Each starts its own app processes exactly as `npm start` does (the global setup
 * has built the app); PostgreSQL restarts and refused writes happen on a private cluster started
 * here, never on the machine's shared server.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { extendTime } from '../../src/lib/server/invigilation/clock-actions.js';
import {
	adminQuery,
	freePort,
	openAppDatabase,
	prepareDatabase,
	roundRobinProxy,
	seedStartedSitting,
	signIn,
	startApp,
	startPrivatePostgres,
	waitFor,
	type AppProcess,
	type PrivatePostgres,
	type SeededSitting
} from '../faults/harness.js';
import { killDuringLoad, restartPostgresDuringLoad } from '../faults/scenarios.js';
import { expectAccessible, launchBrowser, timerSeconds } from './browser.js';

const SHARED_POSTGRES = process.env.FAULTS_ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

describe('kill -9 of the app during an autosave load, then a new process', () => {
	for (const database of ['pglite', 'postgres'] as const) {
		it(`on ${database === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}: every save the client saw acknowledged is in the database`, async () => {
			const r = await killDuringLoad({
				database,
				candidates: 30,
				intervalMs: 300,
				killAfterAcks: 150,
				acksAfterRestart: 150,
				adminUrl: SHARED_POSTGRES,
				log: (l) => console.log(l)
			});
			expect(r.ackedBeforeKill).toBeGreaterThanOrEqual(150);
			expect(r.check.acknowledged).toBeGreaterThanOrEqual(300);
			expect(r.check.missing).toEqual([]);
			expect(r.check.behind).toBe(0);
			// Only "no answer" (the app was down) or a 5xx may delay a save; a 4xx would be a wrong refusal.
			expect(Object.keys(r.load.refused).filter((s) => Number(s) < 500)).toEqual([]);
		});
	}
});

describe('on a private PostgreSQL cluster', () => {
	let cluster: PrivatePostgres;
	let app: AppProcess;
	let databaseUrl: string;
	let seeded: SeededSitting;
	let browser: Browser;
	const contexts: BrowserContext[] = [];

	beforeAll(async () => {
		cluster = await startPrivatePostgres();
		await adminQuery(cluster.url(), 'create database exam');
		databaseUrl = cluster.url('exam');
		await prepareDatabase({ databaseUrl });
		const h = await openAppDatabase({ databaseUrl });
		// Three candidates at browsers (5001-5003), the rest the load client's.
		seeded = await seedStartedSitting(h, 23);
		await h.close();
		app = await startApp({ databaseUrl, port: await freePort() });
		browser = await launchBrowser();
	});

	afterAll(async () => {
		for (const c of contexts) await c.close().catch(() => {});
		await browser?.close();
		await app?.stop();
		await cluster?.stop();
	});

	async function candidatePage(
		number: string,
		opts: { fakeClock?: boolean; keycode?: string } = {}
	): Promise<{ page: Page; attemptId: string }> {
		const context = await browser.newContext({ baseURL: app.baseURL });
		contexts.push(context);
		const page = await context.newPage();
		if (opts.fakeClock) await page.clock.install();
		await page.goto('/candidate/signin');
		await page.getByLabel('Centre number').fill('900001');
		await page.getByLabel('Candidate number').fill(number);
		await page.getByLabel('Keycode').fill(opts.keycode ?? seeded.keycode);
		await page.getByRole('button', { name: 'Start' }).click();
		await page.waitForURL('**/candidate/exam');
		const box = page.getByLabel('Answer to question 1', { exact: true });
		await page.waitForFunction(
			() => !(document.getElementById('answer-1') as HTMLTextAreaElement | null)?.readOnly,
			null,
			{ timeout: 30_000 }
		);
		await box.waitFor();
		const attemptId =
			(await page.evaluate(
				() =>
					Object.keys(localStorage)
						.find((k) => k.startsWith('exam-outbox:'))
						?.split(':')[1]
			)) ?? '';
		expect(attemptId).toMatch(/^[0-9a-f-]{36}$/);
		return { page, attemptId };
	}

	const status = (page: Page) =>
		page.getByRole('status').filter({ hasText: /saved|Saving|Offline/ });
	const waitSaved = (page: Page, timeout = 30_000) =>
		status(page)
			.filter({ hasText: /^All answers saved/ })
			.waitFor({ timeout });
	async function storedText(attemptId: string, item: string): Promise<string | null> {
		const r = await adminQuery(
			databaseUrl,
			'select text from response where attempt_id = $1 and item_key = $2',
			[attemptId, item]
		);
		return (r.rows[0] as { text: string } | undefined)?.text ?? null;
	}

	it('PostgreSQL restarted mid-exam: clients retry, nothing acknowledged is lost, the candidate sees no error page, the console recovers by itself', async () => {
		const { page: cand, attemptId } = await candidatePage(seeded.numbers[0]!);
		const navigations: string[] = [];
		cand.on('framenavigated', (f) => {
			if (f === cand.mainFrame()) navigations.push(new URL(f.url()).pathname);
		});
		const box = cand.getByLabel('Answer to question 1', { exact: true });
		await box.pressSequentially('Before the restart. ');
		await waitSaved(cand);

		// The invigilator's console, kept current by its event stream.
		const invContext = await browser.newContext({ baseURL: app.baseURL });
		contexts.push(invContext);
		const inv = await invContext.newPage();
		await inv.goto('/signin');
		await inv.getByLabel('Email address').fill(seeded.invigilator.email);
		await inv.getByLabel('Password').fill(seeded.invigilator.password);
		await inv.getByRole('button', { name: 'Sign in' }).click();
		await inv.waitForURL((u) => u.pathname !== '/signin');
		await inv.goto(`/invigilate/${seeded.sittingId}`);
		const consoleHeading = inv.getByRole('heading', { level: 1, name: /Fault room/ });
		await consoleHeading.waitFor();

		const r = await restartPostgresDuringLoad({
			cluster,
			baseURL: app.baseURL,
			databaseUrl,
			numbers: seeded.numbers.slice(3),
			keycode: seeded.keycode,
			items: seeded.items,
			intervalMs: 300,
			acksBefore: 100,
			acksAfter: 100,
			mode: 'fast',
			during: async () => {
				// Typing goes on while the database is away; the page says the answer is not yet stored.
				await box.pressSequentially('While PostgreSQL is down. ');
				await status(cand)
					.filter({ hasText: /waiting/ })
					.waitFor({ timeout: 15_000 });
				await cand.getByText(/cannot store anything just now/).waitFor({ timeout: 15_000 });
				// The console says at once that its figures may be behind, and why (the app lost its
				// database, and with it the announcements of changes); it is not an error page.
				await inv
					.getByRole('status')
					.filter({ hasText: 'Live updates have stopped: the server cannot reach its database' })
					.waitFor({ timeout: 15_000 });
				await consoleHeading.waitFor({ timeout: 1000 });
			},
			log: (l) => console.log(l)
		});

		// The console is current again without anyone touching it: the notice goes.
		await inv
			.getByText('Live updates have stopped')
			.waitFor({ state: 'detached', timeout: 30_000 });
		const updated = inv.getByText(/^Updated \d\d:\d\d:\d\d/);
		const first = await updated.textContent();

		// The candidate's page catches up by itself, and typing goes on.
		await waitSaved(cand);
		await box.pressSequentially('After the restart.');
		await waitSaved(cand);
		expect(await storedText(attemptId, '1')).toBe(
			'Before the restart. While PostgreSQL is down. After the restart.'
		);
		expect(
			navigations.every((p) => p === '/candidate/exam'),
			navigations.join(' ')
		).toBe(true);
		expect(await cand.getByText(/Something went wrong|Error 500/).count()).toBe(0);

		// The console hears the new saves again.
		await waitFor(
			async () => (await updated.textContent()) !== first,
			'the console to show a save after the restart',
			15_000
		);
		await expectAccessible(inv);

		expect(r.check.missing).toEqual([]);
		expect(r.check.behind).toBe(0);
		expect(Object.keys(r.load.refused).filter((s) => Number(s) < 500)).toEqual([]);
	}, 300_000);

	it('offline for 10 minutes while typing (page clock fast-forwarded): every character arrives after reconnecting', async () => {
		const { page, attemptId } = await candidatePage(seeded.numbers[1]!, { fakeClock: true });
		const first = page.getByLabel('Answer to question 1', { exact: true });
		await first.pressSequentially('Online. ');
		await waitSaved(page);
		await page.context().setOffline(true);
		let typed = 'Online. ';
		for (let minute = 1; minute <= 10; minute++) {
			const words = `Minute ${minute} offline, still typing. `;
			await first.pressSequentially(words);
			typed += words;
			// Ten minutes pass on the page's clock: its debounce, retries and clock polls all run.
			await page.clock.fastForward('01:00');
		}
		await status(page)
			.filter({ hasText: 'Offline – 1 answer kept on this computer' })
			.waitFor({ timeout: 10_000 });
		const kept = await page.evaluate(
			(id) =>
				JSON.parse(localStorage.getItem(`exam-outbox:${id}`) ?? '{}') as Record<
					string,
					{ text: string }
				>,
			attemptId
		);
		expect(kept['1']?.text).toBe(typed);
		expect(await storedText(attemptId, '1')).toBe('Online. ');

		await page.context().setOffline(false);
		await waitSaved(page);
		expect(await storedText(attemptId, '1')).toBe(typed);
	});

	it('the database refusing writes: saves answer 503 with a reason the page shows, stay in the outbox, and arrive once writes work again', async () => {
		const { page, attemptId } = await candidatePage(seeded.numbers[2]!);
		const box = page.getByLabel('Answer to question 1', { exact: true });
		await box.pressSequentially('Stored. ');
		await waitSaved(page);
		// Read-only for every new session, and the app's open sessions ended so its pool reconnects.
		const readOnly = async (on: boolean) => {
			await adminQuery(
				cluster.url(),
				on
					? 'alter database exam set default_transaction_read_only = on'
					: 'alter database exam reset default_transaction_read_only'
			);
			await adminQuery(
				cluster.url(),
				"select pg_terminate_backend(pid) from pg_stat_activity where datname = 'exam' and pid <> pg_backend_pid()"
			);
		};
		await readOnly(true);
		try {
			const refused = page.waitForResponse(
				(res) => res.url().includes('/responses/') && res.request().method() === 'PUT'
			);
			await box.pressSequentially('Typed while writes are refused.');
			const res = await refused;
			expect(res.status()).toBe(503);
			expect(res.headers()['retry-after']).toBe('5');
			expect(((await res.json()) as { error: string }).error).toMatch(/kept on this computer/);
			await page
				.getByText(
					'The exam server cannot store anything just now. Your answers are kept on this computer and will be sent automatically.'
				)
				.waitFor();
			await status(page).filter({ hasText: 'Saving… 1 answer waiting' }).waitFor();
			await expectAccessible(page);
			const kept = await page.evaluate(
				(id) =>
					JSON.parse(localStorage.getItem(`exam-outbox:${id}`) ?? '{}') as Record<
						string,
						{ text: string }
					>,
				attemptId
			);
			expect(kept['1']?.text).toBe('Stored. Typed while writes are refused.');
			expect(await storedText(attemptId, '1')).toBe('Stored. ');
		} finally {
			await readOnly(false);
		}
		await waitSaved(page);
		expect(await storedText(attemptId, '1')).toBe('Stored. Typed while writes are refused.');
		expect(await page.getByText(/cannot store anything/).count()).toBe(0);
	});

	it('the app restarted under an open exam page: the page reconnects its stream to the new process, says nothing alarming, and shows the time the server gives', async () => {
		const h = await openAppDatabase({ databaseUrl });
		const sitting = await seedStartedSitting(h, 1, { firstNumber: 7001 });
		const centre = await h.db
			.selectFrom('centre')
			.select('id')
			.where('number', '=', '900001')
			.executeTakeFirstOrThrow();
		const { page, attemptId } = await candidatePage(sitting.numbers[0]!, {
			keycode: sitting.keycode
		});
		const streamsOpened: number[] = [];
		const clockPolls: string[] = [];
		page.on('response', (r) => {
			if (r.url().endsWith('/events') && r.status() === 200) streamsOpened.push(Date.now());
		});
		page.on('request', (r) => {
			if (r.url().includes('/clock')) clockPolls.push(r.url());
		});
		await page.reload();
		await waitFor(
			async () => streamsOpened.length >= 1,
			'the exam page to open its stream',
			15_000
		);

		// The app stops (as a service manager restarts it); meanwhile the invigilator's extra time is
		// given through another process's hands (the service itself, on the same database).
		const port = app.port;
		const stopping = Date.now();
		await app.stop();
		// A clean stop, well inside its time limit: the stream the browser reconnected while the
		// process was stopping was refused, not served (it held the stop open until cut, before).
		expect(await app.exited).toBe(0);
		expect(Date.now() - stopping).toBeLessThan(8000);
		await extendTime(
			h.db,
			{ actor: SYSTEM_ACTOR, centreId: centre.id },
			sitting.sittingId,
			attemptId,
			7,
			'Server restart'
		);
		await h.close();
		expect(await page.getByRole('alert').count()).toBe(0);
		app = await startApp({ databaseUrl, port });
		const restartedAt = Date.now();

		// The page finds the new process by itself: a new stream, and the clock it carries.
		await waitFor(
			async () => streamsOpened.some((t) => t >= restartedAt),
			'the exam page to reconnect its stream to the new process',
			60_000
		);
		const clock = (await (await page.request.get(`/api/attempts/${attemptId}/clock`)).json()) as {
			deadlineAt: string;
			serverNow: string;
		};
		const serverLeft = (Date.parse(clock.deadlineAt) - Date.parse(clock.serverNow)) / 1000;
		await waitFor(
			async () => Math.abs((await timerSeconds(page)) - serverLeft) <= 3,
			'the page to show the time the server gives (with the 7 extra minutes)',
			10_000
		);
		expect(serverLeft).toBeGreaterThan(60 * 60);
		expect(
			await page.getByText(/Something went wrong|Error 500|Please wait a moment/).count()
		).toBe(0);
		expect(await page.getByRole('alert').count()).toBe(0);
		// And typing goes on into the new process.
		await page
			.getByLabel('Answer to question 1', { exact: true })
			.pressSequentially('After the app restarted.');
		await waitSaved(page);
		expect(await storedText(attemptId, '1')).toBe('After the app restarted.');
	}, 180_000);

	it('two app processes behind a round-robin proxy behave as one: sign-in, saves, pause on one refused on the other, submit, scripts', async () => {
		const second = await startApp({ databaseUrl, port: await freePort() });
		const proxy = await roundRobinProxy([app.baseURL, second.baseURL]);
		try {
			const h = await openAppDatabase({ databaseUrl });
			const sitting = await seedStartedSitting(h, 2, { firstNumber: 6001 });
			// Staff sign in through the proxy: the session lives in the database, so both processes know it.
			const staff = await formPost(proxy.baseURL, '/signin', {
				email: sitting.invigilator.email,
				password: sitting.invigilator.password
			});
			expect(staff.status).toBe(303);
			const staffCookie = staff.cookie;
			const cands = [
				await signIn(proxy.baseURL, sitting.numbers[0]!, sitting.keycode),
				await signIn(proxy.baseURL, sitting.numbers[1]!, sitting.keycode)
			];
			const put = async (base: string, c: (typeof cands)[number], seq: number, text: string) => {
				const res = await request(`${base}/api/attempts/${c.attemptId}/responses/1`, {
					method: 'PUT',
					headers: { cookie: c.cookie, 'content-type': 'application/json', origin: base },
					body: JSON.stringify({ seq, text })
				});
				return {
					status: res.statusCode,
					body: (await res.body.json()) as { seq?: number; state?: string }
				};
			};
			// Saves alternate between the processes; each process sees the other's (a stale seq answers the stored one).
			const before = [...proxy.counts];
			for (let seq = 1; seq <= 4; seq++)
				for (const c of cands)
					expect((await put(proxy.baseURL, c, seq, `answer ${c.number} v${seq}`)).status).toBe(200);
			expect(proxy.counts[0]! - before[0]!).toBeGreaterThan(0);
			expect(proxy.counts[1]! - before[1]!).toBeGreaterThan(0);
			expect((await put(second.baseURL, cands[0]!, 3, 'stale')).body.seq).toBe(4);

			// Pause through the first process; the second refuses saves at once.
			const paused = await action(app.baseURL, staffCookie, sitting.sittingId, 'pause', {
				reason: 'Fire alarm'
			});
			expect(paused).toMatch(/Paused 2 candidates/);
			// A save already in flight when the pause began is let through for 5 s (PAUSE_SAVE_GRACE_MS);
			// the pause is dated back past that grace rather than waited out.
			await h.db
				.updateTable('attempt')
				.set({ paused_at: new Date(Date.now() - 10_000) })
				.where(
					'id',
					'in',
					cands.map((c) => c.attemptId)
				)
				.execute();
			const refused = await put(second.baseURL, cands[0]!, 5, 'while paused');
			expect(refused.status).toBe(409);
			expect(refused.body.state).toBe('paused');
			const clock = await request(`${second.baseURL}/api/attempts/${cands[1]!.attemptId}/clock`, {
				headers: { cookie: cands[1]!.cookie }
			});
			expect(((await clock.body.json()) as { state: string }).state).toBe('paused');
			// Resume through the second; the first takes saves again.
			expect(
				await action(second.baseURL, staffCookie, sitting.sittingId, 'resume', {
					reason: 'All clear'
				})
			).toMatch(/Resumed 2 candidates/);
			expect(
				(await put(app.baseURL, cands[0]!, 6, `answer ${cands[0]!.number} final`)).status
			).toBe(200);

			// One submits through each process; the sitting ends through the proxy; scripts appear once.
			for (const [i, base] of [app.baseURL, second.baseURL].entries()) {
				const res = await request(`${base}/api/attempts/${cands[i]!.attemptId}/submit`, {
					method: 'POST',
					headers: { cookie: cands[i]!.cookie, origin: base }
				});
				expect(res.statusCode).toBe(200);
				expect(((await res.body.json()) as { state: string }).state).toBe('submitted');
			}
			expect(await action(proxy.baseURL, staffCookie, sitting.sittingId, 'end', {})).toMatch(
				/Ended the sitting/
			);
			const attemptIds = cands.map((c) => c.attemptId);
			await waitFor(
				async () =>
					(
						await h.db
							.selectFrom('script')
							.select('id')
							.where('attempt_id', 'in', attemptIds)
							.execute()
					).length === 2,
				'both scripts (made by either process’s sweep)',
				30_000,
				250
			);
			const stored = await h.db
				.selectFrom('response')
				.select(['attempt_id', 'text', 'seq'])
				.where('attempt_id', 'in', attemptIds)
				.where('item_key', '=', '1')
				.execute();
			expect(Object.fromEntries(stored.map((r) => [r.attempt_id, [r.seq, r.text]]))).toEqual({
				[cands[0]!.attemptId]: [6, `answer ${cands[0]!.number} final`],
				[cands[1]!.attemptId]: [4, `answer ${cands[1]!.number} v4`]
			});
			const scripts = await h.db
				.selectFrom('script')
				.select(['attempt_id'])
				.where('attempt_id', 'in', attemptIds)
				.execute();
			expect(scripts).toHaveLength(2);
			await h.close();
		} finally {
			await proxy.close();
			await second.stop();
		}
	});
});

/** A form post as a browser without JavaScript sends it; returns the status and the session cookie it set. */
async function formPost(
	base: string,
	path: string,
	fields: Record<string, string>,
	cookie = ''
): Promise<{ status: number; cookie: string; body: string }> {
	const res = await request(`${base}${path}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'text/html',
			...(cookie ? { cookie } : {})
		},
		body: new URLSearchParams(fields).toString()
	});
	const set = res.headers['set-cookie'];
	const first = (
		(Array.isArray(set) ? set.find((c) => !c.includes('Max-Age=0')) : set) ?? ''
	).split(';')[0]!;
	return { status: res.statusCode, cookie: first, body: await res.body.text() };
}

/** A console action as the enhanced form sends it; returns what was done, in words. */
async function action(
	base: string,
	cookie: string,
	sittingId: string,
	name: string,
	fields: Record<string, string>
): Promise<string> {
	const res = await request(`${base}/invigilate/${sittingId}?/${name}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'application/json',
			'x-sveltekit-action': 'true',
			cookie
		},
		body: new URLSearchParams(fields).toString()
	});
	const body = (await res.body.json()) as { type: string; data?: string };
	if (body.type !== 'success') throw new Error(`${name}: ${JSON.stringify(body)}`);
	// SvelteKit's devalue encoding: the message is one of the strings in the data.
	return String(body.data);
}
