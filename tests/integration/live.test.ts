import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClockView } from '../../src/lib/exam-api.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { saveResponse } from '../../src/lib/server/delivery/autosave.js';
import { validateCandidateToken } from '../../src/lib/server/delivery/candidate-session.js';
import { signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { submitAttempt } from '../../src/lib/server/delivery/submission.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { extendTime, pause, resume } from '../../src/lib/server/invigilation/clock-actions.js';
import type { ConsoleRow } from '../../src/lib/server/invigilation/console.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import {
	ACTIVITY_FLUSH_MS,
	flushCandidateActivity,
	LIVE_CHANNEL
} from '../../src/lib/server/live/publish.js';
import { LiveHub } from '../../src/lib/server/streams/hub.js';
import { GET as attemptEvents } from '../../src/routes/api/attempts/[attemptId]/events/+server.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/db.js';
import { fakeEvent } from '../helpers/fake-event.js';
import { makeSitting } from '../helpers/sitting-fixture.js';
import { SseReader, type SseMessage } from '../helpers/sse.js';

/** PostgreSQL alone has a LISTEN connection to drop: on PGlite the test is not registered (CI counts a skip as a failure). */
const itOnPostgres: typeof it = onPostgres ? it : ((() => undefined) as unknown as typeof it);

let h: TestDatabase;
/** The "other process": its own handle (on PostgreSQL its own pool and LISTEN connection) and its own hub. */
let other: DatabaseHandle;
const hubs: LiveHub[] = [];

beforeAll(async () => {
	h = await createTestDatabase();
	other = h.connect('app');
});
afterAll(async () => {
	for (const hub of hubs) await hub.close();
	await h?.close();
});

function hubOn(handle: DatabaseHandle, streamsPerSession?: number): LiveHub {
	const hub = new LiveHub(handle.db, handle.live, undefined, streamsPerSession);
	hubs.push(hub);
	return hub;
}

/** A sitting started six minutes ago: reading time is over, every candidate is answering now. */
async function answeringSitting(n: number) {
	const t0 = new Date(Date.now() - 6 * 60_000);
	const f = await makeSitting(h.db, n, [], { scheduledAt: t0 });
	for (const c of f.candidates)
		await markAttendance(h.db, { ...f.ctx, now: t0 }, f.sitting.id, f.attemptOf(c.id), true);
	await startSitting(h.db, { ...f.ctx, now: t0 }, f.sitting.id);
	return f;
}

const clockIs = (pred: (c: ClockView) => boolean) => (m: SseMessage) =>
	m.event === 'clock' && pred(m.data as ClockView);
const rowIs = (attemptId: string, pred: (r: ConsoleRow) => boolean) => (m: SseMessage) =>
	m.event === 'rows' &&
	(m.data as { rows: ConsoleRow[] }).rows.some((r) => r.attemptId === attemptId && pred(r));

describe('live changes reach streams served by another process', () => {
	it('a pause, extra time and a submission made through one handle reach the candidate stream served by the other', async () => {
		const f = await answeringSitting(2);
		const id = f.attemptOf(f.candidates[0]!.id);
		const serving = hubOn(other);
		const stream = new SseReader(await serving.openCandidateStream(id, 'session-1'));
		const first = await stream.next(clockIs((c) => c.state === 'in_progress'));
		const deadline = (first.data as ClockView).deadlineAt!;

		await pause(h.db, f.ctx, f.sitting.id, id, 'Fire alarm');
		const paused = (await stream.next(clockIs((c) => c.state === 'paused'))).data as ClockView;
		expect(paused).toMatchObject({ pausedReason: 'Fire alarm', pauseKind: 'invigilator' });
		expect(Math.abs(Date.parse(paused.serverNow) - Date.now())).toBeLessThan(5000);

		await extendTime(h.db, f.ctx, f.sitting.id, id, 10, 'Late start');
		const extended = (await stream.next(clockIs((c) => c.deadlineAt !== deadline)))
			.data as ClockView;
		expect(Date.parse(extended.deadlineAt!) - Date.parse(deadline)).toBe(10 * 60_000);

		// The other candidate's change is not this stream's business; its own submission ends it.
		await pause(h.db, f.ctx, f.sitting.id, f.attemptOf(f.candidates[1]!.id), 'Unwell');
		await resume(h.db, f.ctx, f.sitting.id, id, 'Alarm over');
		await stream.next(clockIs((c) => c.state === 'in_progress'));
		await submitAttempt(h.db, id);
		const done = await stream.next((m) => m.event === 'clock');
		expect((done.data as ClockView).state).toBe('submitted');
		await stream.end();
		expect(serving.openStreams).toBe(0);
	});

	it('the console served by the other process shows a sign-in, a save and a pause, only for the changed rows', async () => {
		const f = await answeringSitting(3);
		const [a1, a2] = [f.attemptOf(f.candidates[0]!.id), f.attemptOf(f.candidates[1]!.id)];
		const serving = hubOn(other);
		const console_ = new SseReader(await serving.openConsoleStream(f.sitting.id, 'staff-1'));
		const all = (await console_.next((m) => m.event === 'rows')).data as { rows: ConsoleRow[] };
		expect(all.rows).toHaveLength(3);

		const { token } = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.1.1.1'
		});
		await flushCandidateActivity(h.db);
		const signedIn = (await console_.next(rowIs(a1, (r) => r.signedInAt !== null))).data as {
			rows: ConsoleRow[];
		};
		expect(signedIn.rows.map((r) => r.attemptId)).toEqual([a1]);

		const session = (await validateCandidateToken(h.db, token))!;
		const saved = await saveResponse(h.db, session.attempt, '1', {
			seq: 1,
			text: 'Members of the public'
		});
		await flushCandidateActivity(h.db);
		const row = (await console_.next(rowIs(a1, (r) => r.lastSavedAt !== null))).data as {
			rows: ConsoleRow[];
		};
		expect(row.rows).toEqual([
			expect.objectContaining({ attemptId: a1, lastSavedAt: saved.savedAt, answered: 1 })
		]);

		await pause(h.db, f.ctx, f.sitting.id, a2, 'Toilet');
		await console_.next(rowIs(a2, (r) => r.state === 'paused'));
		const log = (await console_.next((m) => m.event === 'log')).data as {
			entries: { kind: string; reason: string | null }[];
		};
		expect(log.entries[0]).toMatchObject({ kind: 'pause', reason: 'Toilet' });
		await console_.cancel();
	});

	it('a save is announced once per sitting per gathering, never by the database per save', async () => {
		const f = await answeringSitting(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const heard: string[] = [];
		let stop: () => Promise<void>;
		if (h.live.kind === 'pglite') {
			const off = h.live.pglite.onNotification(
				(channel, payload) => channel === LIVE_CHANNEL && heard.push(payload)
			);
			stop = async () => off();
		} else {
			const c = new pg.Client({ connectionString: h.live.connectionString });
			await c.connect();
			c.on('notification', (m) => heard.push(m.payload ?? ''));
			await c.query(`listen ${LIVE_CHANNEL}`);
			stop = () => c.end();
		}
		const started = Date.now();
		for (let seq = 1; seq <= 20; seq++)
			await saveResponse(h.db, id, '1', { seq, text: `draft ${seq}` });
		await flushCandidateActivity(h.db);
		const windows = Math.floor((Date.now() - started) / ACTIVITY_FLUSH_MS) + 1;
		// A marker after the saves, announced by the database: everything before it has been heard.
		await pause(h.db, f.ctx, f.sitting.id, id, 'Marker');
		await expect.poll(() => heard.some((p) => p.startsWith('a:')), { timeout: 5000 }).toBe(true);
		await stop();
		const saves = heard.filter((p) => p.startsWith('v:'));
		// At most one announcement per gathering window, each naming the attempt once.
		expect(saves.length).toBeGreaterThanOrEqual(1);
		expect(saves.length).toBeLessThanOrEqual(Math.min(windows, 20));
		expect(new Set(saves)).toEqual(new Set([`v:${f.sitting.id}:${id}`]));
		expect(heard.filter((p) => p.startsWith('a:') || p.startsWith('e:'))).toEqual([
			`a:${f.sitting.id}:${id}`,
			`e:${f.sitting.id}:${id}`
		]);
	});

	itOnPostgres(
		'the listening connection dropped: it reconnects and the stream catches up',
		async () => {
			const f = await answeringSitting(1);
			const id = f.attemptOf(f.candidates[0]!.id);
			const serving = hubOn(other);
			const stream = new SseReader(await serving.openCandidateStream(id, 'session-r'));
			await stream.next(clockIs((c) => c.state === 'in_progress'));
			const admin = h.connect('owner');
			const { rows } = await (
				await import('kysely')
			).sql<{ n: number }>`
			select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = 'exam-live-listener' and datname = current_database()`.execute(
				admin.db
			);
			expect(rows[0]!.n).toBeGreaterThan(0);
			// Changed while nobody listened (or after): the resync on reconnect or the announcement carries it.
			await pause(h.db, f.ctx, f.sitting.id, id, 'Network check');
			await stream.next(
				clockIs((c) => c.state === 'paused'),
				10_000
			);
			await stream.cancel();
		}
	);

	itOnPostgres(
		'the listening connection dropped: the console is told it may be behind, then sent its rows when the connection is back',
		async () => {
			const f = await answeringSitting(2);
			const serving = hubOn(other);
			const console_ = new SseReader(await serving.openConsoleStream(f.sitting.id, 'staff-behind'));
			await console_.next((m) => m.event === 'rows');
			const admin = h.connect('owner');
			await (
				await import('kysely')
			)
				.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'exam-live-listener' and datname = current_database()`.execute(
				admin.db
			);
			const behind = await console_.next((m) => m.event === 'behind', 10_000);
			expect(Date.parse((behind.data as { since: string }).since)).not.toBeNaN();
			// Nothing changed meanwhile, yet the console is sent rows (none of them new): that tells it it is current.
			const back = await console_.next((m) => m.event === 'rows', 15_000);
			expect((back.data as { rows: ConsoleRow[] }).rows).toEqual([]);
			await console_.cancel();
		}
	);
});

describe('stream limits', () => {
	it('a session holds at most its cap of streams: opening one more closes the oldest', async () => {
		const f = await answeringSitting(1);
		const id = f.attemptOf(f.candidates[0]!.id);
		const hub = hubOn(h, 2);
		const first = new SseReader(await hub.openCandidateStream(id, 'tabs'));
		const second = new SseReader(await hub.openCandidateStream(id, 'tabs'));
		expect(hub.openStreams).toBe(2);
		const third = new SseReader(await hub.openCandidateStream(id, 'tabs'));
		// The oldest is told it was replaced (so its page does not reconnect), then ends.
		await first.next((m) => m.event === 'replaced');
		await first.end();
		expect(hub.openStreams).toBe(2);
		await third.next((m) => m.event === 'clock');
		hub.closeAll();
		await second.end();
		await third.end();
		expect(hub.openStreams).toBe(0);
	});
});

describe('the candidate stream endpoint', () => {
	it('refuses without a session (401) and for an attempt the session does not own (404), opening nothing', async () => {
		const f = await answeringSitting(2);
		const mine = f.attemptOf(f.candidates[0]!.id);
		const theirs = f.attemptOf(f.candidates[1]!.id);
		const { token } = await signInCandidate(h.db, {
			centreNumber: f.centre.number,
			candidateNumber: '0001',
			keycode: f.sitting.keycode,
			ip: '10.1.1.2'
		});
		const session = (await validateCandidateToken(h.db, token))!;

		const anonymous = fakeEvent<Parameters<typeof attemptEvents>[0]>(h.db, {
			path: `/api/attempts/${theirs}/events`,
			params: { attemptId: theirs }
		});
		const noSession = await attemptEvents(anonymous);
		expect(noSession.status).toBe(401);

		const event = fakeEvent<Parameters<typeof attemptEvents>[0]>(h.db, {
			path: `/api/attempts/${theirs}/events`,
			params: { attemptId: theirs }
		});
		event.locals.candidate = session;
		const refused = await attemptEvents(event);
		expect(refused.status).toBe(404);
		expect(refused.headers.get('content-type')).toContain('application/json');
		expect(session.attemptId).toBe(mine);

		// Its own attempt, ended: nothing more to stream (204 stops the browser reconnecting).
		await submitAttempt(h.db, mine);
		const ended = fakeEvent<Parameters<typeof attemptEvents>[0]>(h.db, {
			path: `/api/attempts/${mine}/events`,
			params: { attemptId: mine }
		});
		ended.locals.candidate = (await validateCandidateToken(h.db, token))!;
		expect((await attemptEvents(ended)).status).toBe(204);
	});
});
