import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { gracefulStop } from '../../src/cli/serve.js';
import { PAUSE_SAVE_GRACE_MS } from '../../src/lib/domain/attempt.js';
import { openPGlite } from '../../src/lib/server/db/index.js';
import { knownMigrationNames } from '../../src/lib/server/db/migrate.js';
import { pgliteClusterState } from '../../src/lib/server/db/pglite-files.js';
import { CANDIDATE_COOKIE } from '../../src/lib/server/delivery/candidate-session.js';
import { signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { pause } from '../../src/lib/server/invigilation/clock-actions.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { logger } from '../../src/lib/server/log.js';
import { backupPGlite, restorePGlite } from '../../src/lib/server/ops/backup.js';
import { beginStopping, onShutdown } from '../../src/lib/server/ops/lifecycle.js';
import { judgeMetricsAccess } from '../../src/lib/server/ops/metrics-access.js';
import { checkReadiness } from '../../src/lib/server/ops/readiness.js';
import { requestIdFrom } from '../../src/lib/server/ops/request-id.js';
import { LiveHub } from '../../src/lib/server/streams/hub.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fakeEvent } from '../helpers/fake-event.js';
import { callHandle } from '../helpers/hook.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

// The hook and routes reach the app's one database and logger through these modules; here they
// are this file's database and a logger whose lines the tests read.
const shared = vi.hoisted(() => ({ db: null as unknown, lines: [] as Record<string, unknown>[] }));
vi.mock('$lib/server/ops/database', () => ({ getDatabase: async () => ({ db: shared.db }) }));
vi.mock('$lib/server/log', async (importOriginal) => {
	const actual = await importOriginal<typeof import('../../src/lib/server/log.js')>();
	const { Writable } = await import('node:stream');
	const sink = new Writable({
		write(chunk: Buffer, _enc, done) {
			shared.lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
			done();
		}
	});
	return { ...actual, logger: actual.createLogger('info', sink) };
});
const lines = shared.lines;

let h: TestDatabase;
beforeAll(async () => {
	h = await createTestDatabase();
	shared.db = h.db;
});
afterAll(async () => {
	await h.close();
});

describe('GET /healthz and /readyz', () => {
	it('/healthz answers 200 without a session or the database', async () => {
		const { GET } = await import('../../src/routes/healthz/+server.js');
		const res = await GET(fakeEvent(h.db, { path: '/healthz', routeId: '/healthz' }));
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: 'ok' });
	});
	it('/readyz answers 200 when the database has every migration (as the app role on PostgreSQL)', async () => {
		const { GET } = await import('../../src/routes/readyz/+server.js');
		const res = await GET(fakeEvent(h.db, { path: '/readyz', routeId: '/readyz' }));
		expect([res.status, await res.json()]).toEqual([200, { status: 'ready' }]);
	});
	it('is not ready when this version knows a migration the database has not had, nor on an unmigrated database', async () => {
		expect(
			await checkReadiness(h.db, [...knownMigrationNames(), '2099_01_01_0001_future'])
		).toEqual({
			ready: false,
			reason: 'database migrations are behind: 1 not applied (run `npm run cli -- migrate`)'
		});
		const empty = await createTestDatabase({ migrate: false });
		try {
			const r = await checkReadiness(empty.db, knownMigrationNames());
			expect(r).toEqual({
				ready: false,
				reason: 'database migrations are behind (run `npm run cli -- migrate`)'
			});
		} finally {
			await empty.close();
		}
	});
	it('is not ready once the database is closed, and says so without its error', async () => {
		const other = await createTestDatabase();
		await other.close();
		expect(await checkReadiness(other.db, knownMigrationNames())).toEqual({
			ready: false,
			reason: 'the database is unreachable'
		});
	});
});

describe('request ids', () => {
	it('keeps a sane incoming X-Request-Id and replaces anything else', () => {
		expect(requestIdFrom('lb-7f3a.9:1')).toBe('lb-7f3a.9:1');
		for (const bad of [null, '', 'a b', 'x'.repeat(129), 'id\n{"level":60}', '<script>'])
			expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
	});
	it('returns the id in X-Request-Id and writes it on the request log line, with the route id and not the address', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const before = lines.length;
		const res = await callHandle(handle, {
			event: fakeEvent(h.db, {
				path: '/signin?next=%2Fsecret-looking-path',
				routeId: '/signin',
				headers: { 'x-request-id': 'abc-123' }
			}),
			resolve: async () => new Response('ok')
		});
		expect(res.headers.get('x-request-id')).toBe('abc-123');
		const line = lines.slice(before).find((l) => l.msg === 'request');
		expect(line).toMatchObject({
			requestId: 'abc-123',
			route: '/signin',
			method: 'GET',
			status: 200
		});
		expect(JSON.stringify(lines.slice(before))).not.toContain('secret-looking-path');
		const fresh = await callHandle(handle, {
			event: fakeEvent(h.db, { path: '/', routeId: '/' }),
			resolve: async () => new Response('ok')
		});
		expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
	});
	it('puts the id on every line logged while the request is answered, wherever it is logged from', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		const before = lines.length;
		await callHandle(handle, {
			event: fakeEvent(h.db, { path: '/', routeId: '/', headers: { 'x-request-id': 'deep-1' } }),
			resolve: async () => {
				await new Promise<void>((r) => setImmediate(r));
				logger.warn({ password: 'hunter2' }, 'something a service said');
				return new Response('ok');
			}
		});
		const said = lines.slice(before).find((l) => l.msg === 'something a service said');
		expect(said).toMatchObject({ requestId: 'deep-1', password: '[redacted]' });
	});
});

describe('GET /metrics', () => {
	it('is refused without the token (401), with a wrong one (403); unset, only to this machine and not through a proxy', () => {
		const base = { token: 's3cret-token', clientAddress: '127.0.0.1', forwardedFor: null };
		expect(judgeMetricsAccess({ ...base, authorization: null })).toMatchObject({
			allowed: false,
			status: 401
		});
		expect(judgeMetricsAccess({ ...base, authorization: 'Bearer wrong' })).toMatchObject({
			allowed: false,
			status: 403
		});
		expect(judgeMetricsAccess({ ...base, authorization: 'Bearer s3cret-token' })).toEqual({
			allowed: true
		});
		const open = { token: undefined, authorization: null };
		expect(judgeMetricsAccess({ ...open, clientAddress: '127.0.0.1', forwardedFor: null })).toEqual(
			{ allowed: true }
		);
		expect(judgeMetricsAccess({ ...open, clientAddress: '::1', forwardedFor: null })).toEqual({
			allowed: true
		});
		expect(
			judgeMetricsAccess({ ...open, clientAddress: '127.0.0.1', forwardedFor: '203.0.113.9' })
		).toMatchObject({ allowed: false, status: 403 });
		expect(
			judgeMetricsAccess({ ...open, clientAddress: '192.0.2.1', forwardedFor: null })
		).toMatchObject({ allowed: false, status: 403 });
	});

	async function scrape(token = 'metrics-test-token'): Promise<{ status: number; text: string }> {
		const { GET } = await import('../../src/routes/metrics/+server.js');
		const res = await GET(
			fakeEvent(h.db, {
				path: '/metrics',
				routeId: '/metrics',
				headers: token ? { authorization: `Bearer ${token}` } : {}
			})
		);
		return { status: res.status, text: await res.text() };
	}
	function value(text: string, series: string): number {
		const line = text.split('\n').find((l) => l.startsWith(`${series} `));
		return line ? Number(line.slice(series.length + 1)) : 0;
	}

	it('serves Prometheus text to the token holder; the autosave counters move with saves acknowledged, refused and quarantined', async () => {
		vi.stubEnv('METRICS_TOKEN', 'metrics-test-token');
		try {
			expect((await scrape('')).status).toBe(401);
			expect((await scrape('nope')).status).toBe(403);

			// A sitting started six minutes ago: reading time is over, the candidate is answering now.
			const started = new Date(Date.now() - 6 * 60_000);
			const f = await makeSitting(h.db, 1, [], { scheduledAt: started });
			const attemptId = f.attemptOf(f.candidates[0]!.id);
			await markAttendance(h.db, { ...f.ctx, now: started }, f.sitting.id, attemptId, true);
			await startSitting(h.db, { ...f.ctx, now: started }, f.sitting.id);
			const { token } = await signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: '0001',
				keycode: f.sitting.keycode,
				ip: '192.0.2.9'
			});
			const { PUT } =
				await import('../../src/routes/api/attempts/[attemptId]/responses/[itemKey]/+server.js');
			const put = (body: string) =>
				PUT(
					fakeEvent(h.db, {
						method: 'PUT',
						path: `/api/attempts/${attemptId}/responses/1`,
						params: { attemptId, itemKey: '1' },
						cookies: { [CANDIDATE_COOKIE]: token },
						request: new Request(`http://exams.test/api/attempts/${attemptId}/responses/1`, {
							method: 'PUT',
							body
						})
					})
				);

			const before = (await scrape()).text;
			expect(before).toContain('# TYPE exam_http_request_duration_seconds histogram');
			expect(before).toContain('process_resident_memory_bytes');
			expect((await put('{"seq":1,"text":"an answer"}')).status).toBe(200);
			expect((await put('{"seq":')).status).toBe(400);
			// Paused just over the grace a save in flight gets, so the next save is refused and quarantined.
			await pause(
				h.db,
				{ ...f.ctx, now: new Date(Date.now() - PAUSE_SAVE_GRACE_MS - 1000) },
				f.sitting.id,
				attemptId,
				'fire alarm'
			);
			expect((await put('{"seq":2,"text":"typed while paused"}')).status).toBe(409);
			const after = (await scrape()).text;

			expect(
				value(after, 'exam_autosaves_acknowledged_total') -
					value(before, 'exam_autosaves_acknowledged_total')
			).toBe(1);
			expect(
				value(after, 'exam_autosaves_refused_total{status="400"}') -
					value(before, 'exam_autosaves_refused_total{status="400"}')
			).toBe(1);
			expect(
				value(after, 'exam_autosaves_refused_total{status="409"}') -
					value(before, 'exam_autosaves_refused_total{status="409"}')
			).toBe(1);
			expect(
				value(after, 'exam_autosaves_quarantined_total') -
					value(before, 'exam_autosaves_quarantined_total')
			).toBe(1);
			expect(after).toContain('exam_open_streams 0');
			// Nothing a candidate typed reaches the metrics.
			expect(after).not.toContain('an answer');
		} finally {
			vi.unstubAllEnvs();
		}
	});

	it('times requests by route id, method and status (through the hook)', async () => {
		const { handle } = await import('../../src/hooks.server.js');
		await callHandle(handle, {
			event: fakeEvent(h.db, { path: '/healthz', routeId: '/healthz' }),
			resolve: async () => new Response('ok')
		});
		vi.stubEnv('METRICS_TOKEN', 'metrics-test-token');
		try {
			expect((await scrape()).text).toMatch(
				/exam_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} [1-9]/
			);
		} finally {
			vi.unstubAllEnvs();
		}
	});
});

describe('graceful stop (the server of src/cli/serve.ts)', () => {
	function get(port: number): Promise<{ status: number; body: string }> {
		return new Promise((resolve, reject) => {
			const req = httpRequest({ host: '127.0.0.1', port, path: '/' }, (res) => {
				let body = '';
				res.on('data', (c: Buffer) => (body += c.toString()));
				res.on('end', () => resolve({ status: res.statusCode!, body }));
			});
			req.on('error', reject);
			req.end();
		});
	}

	it('finishes a request in flight, then closes streams, timers and the database in that order; refuses new connections', async () => {
		let release!: () => void;
		const released = new Promise<void>((r) => (release = r));
		let arrived!: () => void;
		const inFlight = new Promise<void>((r) => (arrived = r));
		const order: string[] = [];
		const server: Server = createServer((_req, res) => {
			arrived();
			void released.then(() => {
				order.push('response');
				res.end('done');
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const port = (server.address() as { port: number }).port;
		const undo = [
			onShutdown('database', () => void order.push('database'), 'database'),
			onShutdown('timers', () => void order.push('timers'), 'timers'),
			onShutdown('streams', () => void order.push('streams'), 'streams')
		];
		try {
			const pending = get(port);
			await inFlight;
			const stopped = gracefulStop(server, 'SIGTERM');
			// The stream hook runs at once; the database waits for the request.
			await vi.waitFor(() => expect(order).toEqual(['streams']));
			await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
			release();
			expect(await pending).toEqual({ status: 200, body: 'done' });
			expect(await stopped).toBe(0);
			expect(order).toEqual(['streams', 'response', 'timers', 'database']);
		} finally {
			for (const u of undo) u();
			server.close();
		}
	});
});

describe('event streams while stopping', () => {
	it('a stream asked for once the stop has begun is refused (503, try again), so it cannot hold the stop open', async () => {
		// A browser reconnects a stream the stop closed on its kept-alive connection, which the
		// stopping server still reads: served, that new stream held the stop until its time limit
		// cut it (10 s, exit 1), and the page's reconnect met a dead connection.
		beginStopping();
		const f = await makeSitting(h.db, 1);
		const hub = new LiveHub(h.db, h.live);
		try {
			for (const res of [
				await hub.openCandidateStream(f.attemptOf(f.candidates[0]!.id), 'session-stopping'),
				await hub.openConsoleStream(f.sitting.id, 'staff-stopping')
			]) {
				expect(res.status).toBe(503);
				expect(res.headers.get('retry-after')).toBe('2');
				expect(await res.text()).toMatch(/restarting/);
			}
			expect(hub.openStreams).toBe(0);
		} finally {
			await hub.close();
		}
	});
});

describe('the embedded database on disk', () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'exam-ops-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it('is left shut down cleanly by close (no recovery at the next start), and refuses a second opener while open', async () => {
		const dir = join(root, 'db');
		const a = await openPGlite(dir);
		expect(pgliteClusterState(dir)).toBe('in production');
		await expect(openPGlite(dir)).rejects.toThrow(/in use by process \d+/);
		await a.close();
		expect(pgliteClusterState(dir)).toBe('shut down');
	});

	it('runs with fsync on (PGlite alone runs with it off)', async () => {
		const dir = join(root, 'fsync');
		const a = await openPGlite(dir);
		try {
			const r = await sql<{
				name: string;
				setting: string;
			}>`select name, setting from pg_settings where name in ('fsync', 'wal_sync_method') order by name`.execute(
				a.db
			);
			expect(r.rows).toEqual([
				{ name: 'fsync', setting: 'on' },
				{ name: 'wal_sync_method', setting: 'fsync' }
			]);
		} finally {
			await a.close();
		}
	});

	it('backs up and restores: after a restore the data is as it was backed up', async () => {
		const dir = join(root, 'app');
		const backup = join(root, 'backup.tar.gz');
		const a = await openPGlite(dir);
		await sql`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255))`.execute(
			a.db
		);
		await sql`create table note (id int primary key, body text)`.execute(a.db);
		await sql`insert into note values (1, 'before the backup')`.execute(a.db);
		// The backup is refused while the database is open (the app running).
		await expect(backupPGlite(dir, backup)).rejects.toThrow(
			/in use by process \d+ \(the app is running\)/
		);
		await a.close();

		await backupPGlite(dir, backup);
		const b = await openPGlite(dir);
		await sql`update note set body = 'changed after' where id = 1`.execute(b.db);
		await sql`insert into note values (2, 'added after')`.execute(b.db);
		await b.close();

		await expect(restorePGlite(backup, dir)).rejects.toThrow(/is not empty.*--force/);
		const restored = await restorePGlite(backup, dir, { force: true });
		expect(restored.previous).toMatch(/app\.before-restore-/);
		expect(pgliteClusterState(dir)).toBe('shut down');
		const c = await openPGlite(dir);
		try {
			expect(
				(
					await sql<{ id: number; body: string }>`select id, body from note order by id`.execute(
						c.db
					)
				).rows
			).toEqual([{ id: 1, body: 'before the backup' }]);
		} finally {
			await c.close();
		}
		// The folder it replaced is kept, with the later data.
		const old = await openPGlite(restored.previous!);
		try {
			expect(
				(await sql<{ n: number }>`select count(*)::int as n from note`.execute(old.db)).rows[0]!.n
			).toBe(2);
		} finally {
			await old.close();
		}
	});

	it('refuses to restore something that is not a backup, and leaves the folder alone', async () => {
		const junk = join(root, 'junk.tar.gz');
		writeFileSync(junk, 'not a tarball');
		const dir = join(root, 'empty-target');
		// Refused by its first bytes, with nothing left running: PGlite's own unpacking of such a file
		// let a zlib error escape unhandled (vitest failed the run on it).
		await expect(restorePGlite(junk, dir)).rejects.toThrow(
			/not a backup this command can restore \(not a gzip file/
		);
		const gzippedText = join(root, 'text.tar.gz');
		writeFileSync(gzippedText, gzipSync('a gzip file, but no tar archive inside'));
		await expect(restorePGlite(gzippedText, dir)).rejects.toThrow(
			/not a backup this command can restore \(not a tar archive\)/
		);
		expect(existsSync(dir)).toBe(false);
		await expect(restorePGlite(join(root, 'missing.tgz'), dir)).rejects.toThrow(/No backup file/);
	});
});
