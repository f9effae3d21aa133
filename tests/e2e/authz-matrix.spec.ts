import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FUZZ_RUNS, hostileNumber, hostileText, hostileValue } from '../helpers/hostile.js';
import {
	checkOperation,
	describeMismatch,
	entryFor,
	sendingOrder,
	signInEveryone,
	type Check,
	type Sessions
} from './authz-check.js';
import { MATRIX } from './authz-matrix.js';
import { discoverOperations, operationKey, type Operation } from './authz-routes.js';
import { startOwnApp, type OwnApp } from './own-app.js';

/*
 * The authorisation matrix (issue 14): every page (its full render and its data), form action and
 * endpoint under src/routes, as each principal of authz-matrix.ts, against the table there, through
 * the built app on a database of its own (the actions really run). A route on disk without an entry
 * fails the first test, naming it.
 */

const ops = discoverOperations();
let app: OwnApp;
let sessions: Sessions;

// Preparing a database of its own (the demo, then the fixtures) and starting the app: about a
// minute on a quiet machine, several on a busy one.
beforeAll(async () => {
	app = await startOwnApp();
	sessions = await signInEveryone(app.baseURL, app.fixtures);
}, 600_000);
afterAll(async () => {
	await app?.stop();
});

/** The matrix's name for an operation in a failure message. */
const named = (op: Operation) => `${op.routeId} ${operationKey(op)}`;

describe('the authorisation matrix', () => {
	it('has an entry for every page, action and endpoint on disk, and none for what is gone', () => {
		expect(ops.length).toBeGreaterThan(100);
		const missing: string[] = [];
		for (const op of ops) {
			const entry = entryFor(op);
			if (!entry) {
				missing.push(
					`add src/routes${op.routeId === '/' ? '' : op.routeId} to tests/e2e/authz-matrix.ts (it has ${operationKey(op)})`
				);
				continue;
			}
			const spec =
				op.kind === 'page'
					? entry.page
					: op.kind === 'action'
						? entry.actions?.[op.name]
						: entry[op.method as 'GET'];
			if (!spec)
				missing.push(
					`add ${operationKey(op)} of src/routes${op.routeId === '/' ? '' : op.routeId} to its entry in tests/e2e/authz-matrix.ts`
				);
		}
		expect(missing).toEqual([]);

		const onDisk = new Set(ops.map(named));
		const stale: string[] = [];
		for (const [routeId, entry] of Object.entries(MATRIX)) {
			const keys = [
				...(entry.page ? ['page'] : []),
				...Object.keys(entry.actions ?? {}).map((a) => `?/${a}`),
				...(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => entry[m])
			];
			for (const key of keys)
				if (!onDisk.has(`${routeId} ${key}`))
					stale.push(
						`${routeId} ${key}: no such route on disk; remove it from tests/e2e/authz-matrix.ts`
					);
		}
		expect(stale).toEqual([]);
	});

	it('answers every principal as the matrix says, and never with a 5xx', async () => {
		const checks: Check[] = [];
		const order = sendingOrder(ops.filter((op) => entryFor(op)));
		// Reads (pages, GET endpoints) a few at a time; everything that may change a record one after another, in file order.
		const reads = order.filter(
			(op) => op.kind === 'page' || (op.kind === 'endpoint' && op.method === 'GET')
		);
		const writes = order.filter((op) => !reads.includes(op));
		for (let i = 0; i < reads.length; i += 4) {
			for (const c of await Promise.all(
				reads.slice(i, i + 4).map((op) => checkOperation(app.baseURL, app.fixtures, sessions, op))
			))
				checks.push(...c);
		}
		for (const op of writes)
			checks.push(...(await checkOperation(app.baseURL, app.fixtures, sessions, op)));

		expect(checks.length).toBeGreaterThan(2000);
		const serverErrors = checks.filter((c) => typeof c.seen === 'number' && c.seen >= 500);
		expect(serverErrors.map(describeMismatch)).toEqual([]);
		expect(checks.filter((c) => c.seen !== c.expected).map(describeMismatch)).toEqual([]);
		// Every allowed principal got through somewhere, and every refusal was really sent.
		expect(checks.filter((c) => c.expected === 'ok').length).toBeGreaterThan(300);
		expect(app.output()).not.toMatch(/unhandled error/);
	}, 300_000);
});

/*
 * Fuzzing over HTTP (issue 14), on the same app once the matrix has run: hostile input to the exam's
 * autosave, the two sign-in forms and the marking screen's marks endpoint gets a 4xx with a reason,
 * never a 5xx, and changes nothing the owner can see. (The services are fuzzed against both
 * databases in tests/integration/fuzz.test.ts, with the rows compared.)
 */
describe('fuzzing over HTTP', () => {
	// The matrix ended everyone's sessions (signing out is one of its routes): sign in again.
	beforeAll(async () => {
		sessions = await signInEveryone(app.baseURL, app.fixtures);
	});
	/** A path segment as a client would send it (lone surrogates made well-formed first: a URL cannot carry them). */
	const segment = (s: string) => encodeURIComponent(s.toWellFormed());
	/** A segment the URL keeps as one (not empty, not "." or "..", which a URL resolves away to another route). */
	const staysASegment = (s: string) => !/^(\.|%2e){0,2}$/i.test(segment(s));
	const send = (path: string, init: RequestInit & { principal?: keyof Sessions }) =>
		fetch(`${app.baseURL}${path}`, {
			...init,
			redirect: 'manual',
			headers: {
				origin: app.baseURL,
				...(init.principal ? { cookie: sessions[init.principal] } : {}),
				...(init.headers as Record<string, string>)
			}
		});
	/** The answer is a refusal that says why (a JSON `error`), or at worst a redirect; never a 5xx. */
	async function expectRefusedWithReason(res: Response, what: unknown) {
		const text = await res.text();
		expect(
			res.status,
			`${JSON.stringify(what)} → ${res.status} ${text.slice(0, 200)}`
		).toBeLessThan(500);
		if (res.status >= 300 && res.status < 400) return;
		expect(res.status, JSON.stringify(what)).toBeGreaterThanOrEqual(400);
		// An address or headers too long for Node's HTTP server are refused before the app sees them,
		// with the status alone (414, 431): nothing reached the app to change.
		if ((res.status === 414 || res.status === 431) && text === '') return;
		expect(
			(JSON.parse(text) as { error?: string }).error?.trim(),
			JSON.stringify(what)
		).toBeTruthy();
	}
	/** The candidate's exam page data, less the server's clock (which moves between two reads). */
	const examData = async () =>
		(await (await send('/candidate/exam/__data.json', { principal: 'candidate' })).text()).replace(
			/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g,
			'"<time>"'
		);

	it('autosave: any body, attempt or question is refused with a reason and no answer changes', async () => {
		const ids = app.fixtures.ids;
		const before = await examData();
		expect(before).toContain(ids.candidateAttempt);
		const body = fc.oneof(
			hostileText(300),
			hostileValue.map((v) => JSON.stringify(v) ?? 'undefined'),
			fc
				.record({ seq: hostileNumber, text: fc.oneof(hostileText(300), hostileValue) })
				.map((b) => JSON.stringify(b)),
			fc
				.record({ seq: fc.integer({ min: 0, max: 100 }), text: fc.constant('x'.repeat(20_001)) })
				.map((b) => JSON.stringify(b))
		);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(
					fc.constant(ids.candidateAttempt!),
					fc.constant(ids.otherCandidateAttempt!),
					hostileText(40)
				),
				fc.oneof(fc.constant('1'), hostileText(20)),
				body,
				async (attemptId, itemKey, raw) => {
					fc.pre(staysASegment(attemptId) && staysASegment(itemKey));
					const res = await send(
						`/api/attempts/${segment(attemptId)}/responses/${segment(itemKey)}`,
						{
							method: 'PUT',
							principal: 'candidate',
							headers: { 'content-type': 'application/json' },
							body: raw
						}
					);
					await expectRefusedWithReason(res, { attemptId, itemKey, raw: raw.slice(0, 100) });
				}
			),
			FUZZ_RUNS
		);
		// The demo sitting has not started: nothing may have reached the script.
		expect(await examData()).toBe(before);
	});

	/** A form action as the page's script posts it; SvelteKit answers its result as JSON. */
	const postAction = (path: string, form: Record<string, string>, principal?: keyof Sessions) =>
		send(path, {
			method: 'POST',
			principal,
			headers: {
				accept: 'application/json',
				'x-sveltekit-action': 'true',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams(form)
		});
	/** A refused form action: a 4xx failure whose data carries the message, and no session cookie. */
	async function expectFormRefused(res: Response, what: unknown) {
		const text = await res.text();
		expect(
			res.status,
			`${JSON.stringify(what)} → ${res.status} ${text.slice(0, 200)}`
		).toBeLessThan(500);
		const result = JSON.parse(text) as { type: string; status?: number; data?: string };
		expect(result.type, JSON.stringify(what)).toBe('failure');
		expect(result.status, JSON.stringify(what)).toBeGreaterThanOrEqual(400);
		expect(result.data, JSON.stringify(what)).toMatch(/"[^"]*\w[^"]*"/); // the message, inside SvelteKit's serialised data
		expect(
			res.headers.getSetCookie().filter((c) => !/=;|Max-Age=0/i.test(c)),
			JSON.stringify(what)
		).toEqual([]);
	}

	it("candidate sign-in: anything but a candidate's own three values is refused with a message and no session", async () => {
		const f = app.fixtures;
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.constant(f.centreNumber), hostileText(40)),
				fc.oneof(fc.constant('0003'), hostileText(40)),
				fc.oneof(fc.constant('ZZZZZZ'), hostileText(40)),
				async (centre, candidate, keycode) => {
					const res = await postAction('/candidate/signin', {
						centre_number: centre,
						candidate_number: candidate,
						keycode
					});
					await expectFormRefused(res, { centre, candidate, keycode });
				}
			),
			FUZZ_RUNS
		);
	});

	it('staff sign-in: hostile emails and passwords are refused with a message and no session', async () => {
		const account = app.fixtures.staff.marker!;
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.constant(account.email), hostileText(60)),
				hostileText(60),
				async (email, password) => {
					fc.pre(password !== account.password);
					const res = await postAction('/signin', { email, password });
					await expectFormRefused(res, { email, password });
				}
			),
			{ ...FUZZ_RUNS, numRuns: 20 }
		);
	});

	it("marks entry: hostile bodies are refused with a reason and the marker's marks stay as they were", async () => {
		const ids = app.fixtures.ids;
		const scriptData = async () =>
			(
				await (
					await send(`/mark/scripts/${ids.script}/__data.json`, { principal: 'marker' })
				).text()
			).replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');
		const before = await scriptData();
		expect(before).toContain(ids.scriptNumber);
		// Never a mark the grid could take (a whole number up to the item's marks): those would be recorded.
		const notAMark = hostileNumber.filter((n) => !(Number.isInteger(n) && n >= 0 && n <= 100));
		const award = fc.oneof(
			hostileValue,
			fc.record({ kind: fc.constant('mark'), mark: notAMark }),
			fc.record({
				kind: fc.constantFrom('points', 'level', 'MARK', ''),
				mark: notAMark,
				level: hostileNumber,
				awarded: hostileValue
			})
		);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.constant(ids.allocation!), hostileText(40), fc.uuid()),
				award,
				fc.oneof(hostileText(300), hostileValue),
				fc.boolean(),
				async (allocationId, a, comment, asJson) => {
					const raw = asJson
						? JSON.stringify({ allocationId, award: a, fk: comment, comment })
						: String(comment);
					const res = await send(`/mark/scripts/${ids.script}/marks`, {
						method: 'POST',
						principal: 'marker',
						headers: { 'content-type': 'application/json' },
						body: raw
					});
					await expectRefusedWithReason(res, { allocationId, award: a, comment });
				}
			),
			FUZZ_RUNS
		);
		expect(await scriptData()).toBe(before);
	});
});
