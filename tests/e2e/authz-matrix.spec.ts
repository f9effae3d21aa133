import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOperation, describeMismatch, entryFor, sendingOrder, signInEveryone, type Check, type Sessions } from './authz-check.js';
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

beforeAll(async () => {
	app = await startOwnApp();
	sessions = await signInEveryone(app.baseURL, app.fixtures);
});
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
				missing.push(`add src/routes${op.routeId === '/' ? '' : op.routeId} to tests/e2e/authz-matrix.ts (it has ${operationKey(op)})`);
				continue;
			}
			const spec = op.kind === 'page' ? entry.page : op.kind === 'action' ? entry.actions?.[op.name] : entry[op.method as 'GET'];
			if (!spec) missing.push(`add ${operationKey(op)} of src/routes${op.routeId === '/' ? '' : op.routeId} to its entry in tests/e2e/authz-matrix.ts`);
		}
		expect(missing).toEqual([]);

		const onDisk = new Set(ops.map(named));
		const stale: string[] = [];
		for (const [routeId, entry] of Object.entries(MATRIX)) {
			const keys = [...(entry.page ? ['page'] : []), ...Object.keys(entry.actions ?? {}).map((a) => `?/${a}`), ...(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => entry[m])];
			for (const key of keys) if (!onDisk.has(`${routeId} ${key}`)) stale.push(`${routeId} ${key}: no such route on disk; remove it from tests/e2e/authz-matrix.ts`);
		}
		expect(stale).toEqual([]);
	});

	it('answers every principal as the matrix says, and never with a 5xx', async () => {
		const checks: Check[] = [];
		const order = sendingOrder(ops.filter((op) => entryFor(op)));
		// Reads (pages, GET endpoints) a few at a time; everything that may change a record one after another, in file order.
		const reads = order.filter((op) => op.kind === 'page' || (op.kind === 'endpoint' && op.method === 'GET'));
		const writes = order.filter((op) => !reads.includes(op));
		for (let i = 0; i < reads.length; i += 4) {
			for (const c of await Promise.all(reads.slice(i, i + 4).map((op) => checkOperation(app.baseURL, app.fixtures, sessions, op)))) checks.push(...c);
		}
		for (const op of writes) checks.push(...(await checkOperation(app.baseURL, app.fixtures, sessions, op)));

		expect(checks.length).toBeGreaterThan(2000);
		const serverErrors = checks.filter((c) => typeof c.seen === 'number' && c.seen >= 500);
		expect(serverErrors.map(describeMismatch)).toEqual([]);
		expect(checks.filter((c) => c.seen !== c.expected).map(describeMismatch)).toEqual([]);
		// Every allowed principal got through somewhere, and every refusal was really sent.
		expect(checks.filter((c) => c.expected === 'ok').length).toBeGreaterThan(300);
		expect(app.output()).not.toMatch(/unhandled error/);
	}, 300_000);
});
