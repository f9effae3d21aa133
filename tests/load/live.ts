/**
 * Live-update benchmark (npm run bench:live; issue 13), with the method of tests/load/run.ts: the
 * built app served as `npm start` serves it, against PostgreSQL, an open-loop load generator, and
 * the machine's CPU split per phase (a disturbed run shows itself and is discarded).
 *   1. 2,000 candidates sign in (the waiting screen) and open their event streams.
 *   2. The start moment: the invigilator starts the sitting; time until each open stream has the
 *      event (not a poll), and to the last of them.
 *   3. Autosave at 400 saves/s offered with all 2,000 streams open and receiving events (extra time
 *      for a few candidates every second, and the heartbeats): latency p50/p95/p99, errors; and the
 *      app's memory before and after (it must not grow with time).
 *   4. Console latency: from each save's acknowledgement to the invigilator's console stream
 *      carrying that save (p50/p95).
 * Knobs as run.ts: BENCH_DATABASE_URL, BENCH_CANDIDATES (2000), BENCH_RATE (400), BENCH_SECONDS (20),
 * BENCH_PAPER (8992-113-A), BENCH_PORT (3998 here).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { Agent, request } from 'undici';

import { buildIfNeeded } from '../../src/cli/build-if-needed.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import { openPostgres } from '../../src/lib/server/db/index.js';
import { extendTime } from '../../src/lib/server/invigilation/clock-actions.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { databaseUrlFor } from '../helpers/pg-admin.js';
import { registerForPaper } from '../helpers/registration-fixture.js';

const CANDIDATES = Number(process.env.BENCH_CANDIDATES ?? 2000);
const OFFERED_RATE = Number(process.env.BENCH_RATE ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3998);
const PAPER = process.env.BENCH_PAPER ?? '8992-113-A';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const DB = 'exam_bench_live';
/** Candidates given extra time each second of the save phase: events flowing on the streams meanwhile. */
const EXTENSIONS_PER_SECOND = 20;
const PASSWORD = 'bench password 123';
const base = `http://127.0.0.1:${PORT}`;

/** Requests (sign-ins, saves): a pool as run.ts's. Streams: one connection each, held open. */
const requests = new Agent({
	connections: 256,
	pipelining: 1,
	keepAliveTimeout: 30_000,
	headersTimeout: 60_000,
	bodyTimeout: 60_000
});
const streams = new Agent({
	connections: null,
	pipelining: 0,
	headersTimeout: 60_000,
	bodyTimeout: 0
});

function pct(sorted: number[], p: number): number {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// CPU split, as run.ts measures it: the machine, the app (pid and children), PostgreSQL, this process.
interface CpuSnap {
	total: number;
	idle: number;
	app: number;
	pg: number;
	gen: number;
}
function procTicks(
	pid: number | string,
	withChildren: boolean
): { ticks: number; ppid: number; comm: string } {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const comm = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
		const r = f
			.slice(f.lastIndexOf(')') + 2)
			.split(' ')
			.map(Number);
		return { ticks: r[11]! + r[12]! + (withChildren ? r[13]! + r[14]! : 0), ppid: r[1]!, comm };
	} catch {
		return { ticks: 0, ppid: -1, comm: '' };
	}
}
let serverPid = 0;
function cpuSnap(): CpuSnap {
	const f = readFileSync('/proc/stat', 'utf8')
		.split('\n')[0]!
		.trim()
		.split(/\s+/)
		.slice(1, 9)
		.map(Number);
	let app = 0;
	let pgTicks = 0;
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		const p = procTicks(d, true);
		if (p.comm === 'postgres') pgTicks += p.ticks;
		else if (Number(d) === serverPid || p.ppid === serverPid) app += p.ticks;
	}
	return {
		total: f.reduce((a, b) => a + b, 0),
		idle: f[3]! + f[4]!,
		app,
		pg: pgTicks,
		gen: procTicks('self', true).ticks
	};
}
function cpuShares(a: CpuSnap, b: CpuSnap) {
	const n = cpus().length;
	const t = (b.total - a.total) / n;
	const share = (x: number) => Math.round((100 * x) / t);
	const app = share(b.app - a.app),
		pgs = share(b.pg - a.pg),
		gen = share(b.gen - a.gen),
		idle = share(b.idle - a.idle);
	return {
		app,
		postgres: pgs,
		generator: gen,
		other: Math.max(0, 100 * n - app - pgs - gen - idle),
		idle,
		load1: Number(loadavg()[0]!.toFixed(2))
	};
}
const cpuLine = (c: ReturnType<typeof cpuShares>) =>
	`  CPU (% of one core, ${cpus().length} cores): app ${c.app}, PostgreSQL ${c.postgres}, load generator ${c.generator}, other ${c.other}, idle ${c.idle}; load average ${c.load1}`;
async function phase<T>(name: string, f: () => Promise<T>): Promise<T> {
	const a = cpuSnap();
	const r = await f();
	console.log(`  [${name}]`);
	console.log(cpuLine(cpuShares(a, cpuSnap())));
	return r;
}
/** The app process's resident memory (MiB). */
function appRssMiB(): number {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

async function adminSql(url: string, text: string) {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	try {
		await c.query(text);
	} finally {
		await c.end();
	}
}

async function startServer(url: string): Promise<() => void> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
		env: {
			...process.env,
			DATABASE_URL: url,
			PORT: String(PORT),
			HOST: '127.0.0.1',
			LOG_LEVEL: 'warn',
			WEB_CONCURRENCY: '1'
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	serverPid = child.pid ?? 0;
	await new Promise<void>((resolve, reject) => {
		let out = '';
		child.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (out.includes('Listening on')) resolve();
		});
		child.once('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
	});
	return () => child.kill('SIGTERM');
}

/** One event stream read as it arrives: each event's name, data and arrival time. */
interface Stream {
	events: { event: string; data: unknown; at: number }[];
	closed: boolean;
	onEvent?: (e: { event: string; data: unknown; at: number }) => void;
	cancel(): void;
}
async function openStream(path: string, cookie: string): Promise<Stream> {
	const ac = new AbortController();
	const res = await request(`${base}${path}`, {
		dispatcher: streams,
		headers: { cookie, accept: 'text/event-stream' },
		signal: ac.signal
	});
	if (res.statusCode !== 200) throw new Error(`stream ${path}: ${res.statusCode}`);
	const s: Stream = { events: [], closed: false, cancel: () => ac.abort() };
	let buffer = '';
	res.body.setEncoding('utf8');
	res.body.on('data', (chunk: string) => {
		buffer += chunk;
		let cut: number;
		while ((cut = buffer.indexOf('\n\n')) >= 0) {
			const block = buffer.slice(0, cut);
			buffer = buffer.slice(cut + 2);
			const event = /^event: (.*)$/m.exec(block)?.[1];
			const data = /^data: (.*)$/m.exec(block)?.[1];
			if (!event || data === undefined) continue;
			const e = { event, data: JSON.parse(data) as unknown, at: performance.now() };
			// Only what the measures need is kept: the candidate streams' clock events, the console's rows.
			if (event === 'clock' || event === 'rows') s.events.push(e);
			s.onEvent?.(e);
		}
	});
	res.body.on('error', () => (s.closed = true));
	res.body.on('end', () => (s.closed = true));
	return s;
}

interface Candidate {
	cookie: string;
	attemptId: string;
	seq: Record<string, number>;
	stream?: Stream;
}

async function signIn(number: string, keycode: string): Promise<string> {
	const res = await request(`${base}/candidate/signin`, {
		dispatcher: requests,
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'text/html'
		},
		body: new URLSearchParams({
			centre_number: '900001',
			candidate_number: number,
			keycode
		}).toString()
	});
	await res.body.arrayBuffer();
	const setCookie = res.headers['set-cookie'];
	const cookie = (
		Array.isArray(setCookie) ? setCookie.find((c) => c.startsWith('exam_candidate=')) : setCookie
	)?.split(';')[0];
	if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in ${number}: ${res.statusCode}`);
	return cookie;
}

async function staffSignIn(email: string): Promise<string> {
	const res = await request(`${base}/signin`, {
		dispatcher: requests,
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'text/html'
		},
		body: new URLSearchParams({ email, password: PASSWORD }).toString()
	});
	await res.body.arrayBuffer();
	const setCookie = res.headers['set-cookie'];
	const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
		.map((c) => c.split(';')[0]!)
		.find((c) => c && !c.endsWith('='));
	if (res.statusCode !== 303 || !cookie) throw new Error(`staff sign-in: ${res.statusCode}`);
	return cookie;
}

async function save(
	c: Candidate,
	item: string
): Promise<{ ms: number; savedAt: string; ackAt: number }> {
	const seq = (c.seq[item] = (c.seq[item] ?? 0) + 1);
	const t = performance.now();
	const res = await request(`${base}/api/attempts/${c.attemptId}/responses/${item}`, {
		dispatcher: requests,
		method: 'PUT',
		headers: { cookie: c.cookie, 'content-type': 'application/json' },
		body: JSON.stringify({ seq, text: `Answer text revision ${seq}. `.repeat(20) })
	});
	const body = (await res.body.json()) as { savedAt?: string };
	if (res.statusCode !== 200) throw new Error(`save ${res.statusCode}`);
	const ackAt = performance.now();
	return { ms: ackAt - t, savedAt: String(body.savedAt), ackAt };
}

/** Open loop, as run.ts: request i is due at start + i / rate whatever became of the earlier ones. */
async function openLoop<T>(rate: number, seconds: number, fire: (i: number) => Promise<T>) {
	const results: T[] = [];
	let errors = 0;
	let firstError = '';
	const total = Math.round(rate * seconds);
	const start = performance.now();
	const inflight: Promise<void>[] = [];
	for (let i = 0; i < total; i++) {
		const due = start + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await new Promise((r) => setTimeout(r, wait));
		inflight.push(
			fire(i).then(
				(r) => void results.push(r),
				(e: unknown) => {
					errors++;
					firstError ||= String(e instanceof Error ? e.message : e);
				}
			)
		);
	}
	await Promise.all(inflight);
	return { results, errors, firstError, elapsed: (performance.now() - start) / 1000 };
}

async function main() {
	console.log(
		`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average now ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	buildIfNeeded(console.log);
	await adminSql(ADMIN_URL, `drop database if exists ${DB} with (force)`);
	await adminSql(ADMIN_URL, `create database ${DB}`);
	const url = databaseUrlFor(ADMIN_URL, DB);
	const stop = await startServer(url);
	const h = openPostgres(url, 4);
	const all: Candidate[] = [];
	try {
		// Seed: 2,000 candidates in one sitting, present, not started; an invigilator who can sign in.
		const centre = await h.db
			.selectFrom('centre')
			.select(['id'])
			.where('number', '=', '900001')
			.executeTakeFirstOrThrow();
		const imported = await importCandidates(
			h.db,
			SYSTEM_ACTOR,
			centre.id,
			Array.from({ length: CANDIDATES }, (_, i) => ({
				candidate_number: String(5001 + i),
				first_name: 'Bench',
				last_name: `Candidate ${i + 1}`
			})),
			'bench.csv'
		);
		if (!imported.ok) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
		const email = `bench.live.${Date.now()}@example.test`;
		const inv = await createStaffAccount(h.db, SYSTEM_ACTOR, {
			email,
			display_name: 'Bench',
			password: PASSWORD,
			role: 'invigilator',
			centre_id: centre.id
		});
		const ids = (
			await h.db
				.selectFrom('candidate')
				.select('id')
				.where('centre_id', '=', centre.id)
				.where('candidate_number', '>=', '5001')
				.execute()
		).map((r) => r.id);
		// Registered for the paper's qualification, as a booking needs (issue 15).
		await registerForPaper(h.db, centre.id, ids, PAPER);
		const sitting = await bookSitting(h.db, SYSTEM_ACTOR, centre.id, {
			paper_code: PAPER,
			scheduled_at: new Date().toISOString(),
			room: 'Hall',
			invigilator_ids: [inv.id],
			candidate_ids: ids
		});
		const items = (
			await h.db
				.selectFrom('paper_item')
				.select('item_key')
				.where('paper_version_id', '=', sitting.paper_version_id)
				.orderBy('position')
				.execute()
		).map((r) => r.item_key);
		await h.db
			.updateTable('attempt')
			.set({ present: true })
			.where('sitting_id', '=', sitting.id)
			.execute();
		console.log(
			`Seeded ${CANDIDATES} candidates in one sitting of ${PAPER} (${items.length} items), not started.`
		);

		// 1. Sign in (the waiting screen) and open every candidate's stream, 50 at a time.
		for (let i = 0; i < CANDIDATES; i += 50) {
			const cookies = await Promise.all(
				Array.from({ length: Math.min(50, CANDIDATES - i) }, (_, j) =>
					signIn(String(5001 + i + j), sitting.keycode)
				)
			);
			for (const cookie of cookies) all.push({ cookie, attemptId: '', seq: {} });
		}
		const sessions = await h.db
			.selectFrom('auth_session')
			.select(['id', 'attempt_id'])
			.where('attempt_id', 'is not', null)
			.execute();
		const attemptOf = new Map(sessions.map((x) => [x.id, x.attempt_id!]));
		for (const c of all)
			c.attemptId = attemptOf.get(decodeURIComponent(c.cookie.split('=')[1]!).split('.')[0]!)!;
		const t0 = performance.now();
		for (let i = 0; i < all.length; i += 100) {
			await Promise.all(
				all
					.slice(i, i + 100)
					.map(
						async (c) =>
							(c.stream = await openStream(`/api/attempts/${c.attemptId}/events`, c.cookie))
					)
			);
		}
		// Each stream's first event is the attempt as it stands (not started).
		const waitFor = async (cond: () => boolean, timeoutMs: number) => {
			const end = performance.now() + timeoutMs;
			while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
			return cond();
		};
		await waitFor(() => all.every((c) => c.stream!.events.length > 0), 60_000);
		console.log(
			`Opened ${all.filter((c) => c.stream && !c.stream.closed).length}/${CANDIDATES} candidate streams in ${((performance.now() - t0) / 1000).toFixed(1)} s; app memory ${appRssMiB().toFixed(0)} MiB.`
		);

		// 2. The start moment.
		const startResult = await phase('start moment', async () => {
			const before = performance.now();
			await startSitting(h.db, { actor: SYSTEM_ACTOR, centreId: centre.id }, sitting.id);
			const committed = performance.now();
			const got = await waitFor(
				() =>
					all.every((c) =>
						c.stream!.events.some(
							(e) => e.at >= before && (e.data as { state?: string }).state !== 'not_started'
						)
					),
				30_000
			);
			const heard = all.flatMap((c) => {
				const e = c.stream!.events.find(
					(x) => x.at >= before && (x.data as { state?: string }).state !== 'not_started'
				);
				return e ? [e.at - committed] : [];
			});
			return { got, committedMs: committed - before, lat: sorted(heard) };
		});
		console.log(
			`Start moment: ${startResult.lat.length}/${CANDIDATES} open pages had the start event ${ms(pct(startResult.lat, 100))} after the start committed (the start itself took ${ms(startResult.committedMs)}); p50 ${ms(pct(startResult.lat, 50))}, p95 ${ms(pct(startResult.lat, 95))}.`
		);

		// Skip reading time (as run.ts does); the change reaches every stream too. Then tidy up.
		await h.db
			.updateTable('attempt')
			.set({ reading_ends_at: new Date(Date.now() - 1000) })
			.where('sitting_id', '=', sitting.id)
			.execute();
		await adminSql(
			url,
			'vacuum analyze attempt, auth_session, sitting_event, response, response_revision'
		);

		// The invigilator's console stream, read as saves go on.
		const staffCookie = await staffSignIn(email);
		const consoleStream = await openStream(`/invigilate/${sitting.id}/events`, staffCookie);
		await waitFor(() => consoleStream.events.length > 0, 30_000);
		/** When the console first showed each attempt's last save at or after a time (ISO strings compare in order). */
		const consoleSaw = new Map<string, { savedAt: string; at: number }[]>();
		consoleStream.onEvent = (e) => {
			if (e.event !== 'rows') return;
			for (const r of (e.data as { rows: { attemptId: string; lastSavedAt: string | null }[] })
				.rows) {
				if (!r.lastSavedAt) continue;
				const list = consoleSaw.get(r.attemptId) ?? [];
				list.push({ savedAt: r.lastSavedAt, at: e.at });
				consoleSaw.set(r.attemptId, list);
			}
		};

		// 3. Autosave at the offered rate, every stream open, extra time reaching some of them each second.
		const rssBefore = appRssMiB();
		const eventsBefore = all.reduce((n, c) => n + c.stream!.events.length, 0);
		const ctx = { actor: SYSTEM_ACTOR, centreId: centre.id };
		let extensionErrors = 0;
		const saves = await phase('autosave with streams', () =>
			Promise.all([
				openLoop(OFFERED_RATE, SECONDS, (i) => {
					const c = all[i % all.length]!;
					return save(c, items[Math.floor(i / all.length) % items.length]!).then((r) => ({
						...r,
						attemptId: c.attemptId
					}));
				}),
				openLoop(EXTENSIONS_PER_SECOND, SECONDS, (i) =>
					extendTime(
						h.db,
						ctx,
						sitting.id,
						all[(i * 97) % all.length]!.attemptId,
						1,
						'Bench: events on the streams'
					).catch(() => void extensionErrors++)
				)
			])
		);
		const [open] = saves;
		// The console's last gathering (200 ms) and dispatch land.
		await waitFor(
			() =>
				open.results.every((r) => consoleSaw.get(r.attemptId)?.some((x) => x.savedAt >= r.savedAt)),
			5000
		);
		const eventsDuring = all.reduce((n, c) => n + c.stream!.events.length, 0) - eventsBefore;
		const lat = sorted(open.results.map((r) => r.ms));
		console.log(
			`Autosave at ${OFFERED_RATE}/s offered with ${all.filter((c) => !c.stream!.closed).length} streams open (${eventsDuring} clock events delivered to them meanwhile, ${extensionErrors} extra-time errors): ${(lat.length / open.elapsed).toFixed(0)} acknowledged/s, p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))}, p99 ${ms(pct(lat, 99))}, max ${ms(lat.at(-1) ?? NaN)}, errors ${open.errors}${open.firstError ? ` (${open.firstError})` : ''}.`
		);
		console.log(
			`  App memory: ${rssBefore.toFixed(0)} MiB before the phase, ${appRssMiB().toFixed(0)} MiB after.`
		);

		// 4. Console latency: acknowledgement → the console stream carrying that save (or a later one).
		const consoleLat: number[] = [];
		let unseen = 0;
		for (const r of open.results) {
			const seen = consoleSaw.get(r.attemptId)?.find((x) => x.savedAt >= r.savedAt);
			if (seen) consoleLat.push(Math.max(0, seen.at - r.ackAt));
			else unseen++;
		}
		const cl = sorted(consoleLat);
		console.log(
			`Console latency (save acknowledged → on the console's stream): ${cl.length} saves, p50 ${ms(pct(cl, 50))}, p95 ${ms(pct(cl, 95))}, p99 ${ms(pct(cl, 99))}, max ${ms(cl.at(-1) ?? NaN)}; ${unseen} never shown.`
		);
		consoleStream.cancel();
	} finally {
		for (const c of all) c.stream?.cancel();
		await h.close();
		stop();
		await streams.close().catch(() => undefined);
		await requests.close().catch(() => undefined);
	}
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
