/**
 * Benchmarks (npm run bench): against PostgreSQL, with the built app served as `npm start` serves it.
 *   1. Start storm: the invigilator has started the sitting (reading time), then 2,000 candidates
 *      sign in (real cookies) and load the exam page at once; a page without the paper (a question
 *      stem) counts as an error. Then the start-moment stampede: every signed-in page's clock poll
 *      sees the start and reloads the page data (as the page does), spread over the 3 s poll
 *      interval, and the worst case of all 2,000 reloads at once.
 *   2. Autosave: the 2,000 signed-in candidates save on a schedule (400 saves/s offered), alone and
 *      with every candidate's clock poll running (one GET per candidate every 3 s, ~667/s), then a
 *      closed loop (64 clients) finds the most acknowledged saves per second; latency p50/p95/p99.
 *   3. pgbench with the app's own one-statement save (same SQL, same tables, -M prepared), at the
 *      closed loop's 64 clients and at the app's pool size; and the old three-statement transaction.
 *   4. Gzipped JavaScript the candidate exam page loads (from the build's manifest).
 *   `npm run bench -- storm` runs the start storm (1, first part) and 4 alone.
 *   5. Result slips (tests/load/result-slips.ts): slips per second and the merged PDF of a sitting
 *      of 500. `npm run bench -- slips` runs this part alone.
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres as admin).
 * Other knobs: BENCH_DB (exam_bench), BENCH_CANDIDATES (2000), BENCH_RATE (400), BENCH_SECONDS (20), BENCH_PAPER (8992-113-A),
 * WEB_CONCURRENCY (app processes, 1), BENCH_SERVER_NODE_ARGS (Node flags for the app, e.g. profiling).
 * Prints a markdown summary and writes tests/load/out/latest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import pg from 'pg';
import { Agent, request, setGlobalDispatcher } from 'undici';

import { buildIfNeeded } from '../../src/cli/build-if-needed.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import { openPostgres } from '../../src/lib/server/db/index.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { EXAM_PAGE_JS_BUDGET_BYTES, pageJavaScript } from '../helpers/page-javascript.js';
import { databaseUrlFor } from '../helpers/pg-admin.js';
import { registerForPaper } from '../helpers/registration-fixture.js';
import { benchResultSlips } from './result-slips.js';

const CANDIDATES = Number(process.env.BENCH_CANDIDATES ?? 2000);
const OFFERED_RATE = Number(process.env.BENCH_RATE ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3999);
const PAPER = process.env.BENCH_PAPER ?? '8992-113-A';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
/** The bench's own database (dropped and made afresh); BENCH_DB when two benches share a PostgreSQL. */
const DB = process.env.BENCH_DB ?? 'exam_bench';
/** `npm run bench -- storm`: the start storm and the exam page's JavaScript only. */
const STORM_ONLY = process.argv.includes('storm');
/** The candidate page polls the server clock this often (src/routes/candidate/exam/+page.svelte). */
const POLL_MS = 3000;
const CLOSED_CLIENTS = 64;
/** The app's PostgreSQL pool (DB_POOL_SIZE, default 10): the connections PostgreSQL sees from it. */
const APP_POOL = Number(process.env.DB_POOL_SIZE || 10);
const base = `http://127.0.0.1:${PORT}`;

// A request that takes longer than 60 s counts as an error, so every phase ends in bounded time.
setGlobalDispatcher(
	new Agent({
		connections: 256,
		pipelining: 1,
		keepAliveTimeout: 30_000,
		headersTimeout: 60_000,
		bodyTimeout: 60_000
	})
);

function pct(sorted: number[], p: number): number {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** CPU ticks so far: the whole machine, the app (pid and children), PostgreSQL, this process (with reaped children: pgbench). */
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
		// After the name: state ppid ... utime(11) stime(12) cutime(13) cstime(14)
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
	let pg = 0;
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		const p = procTicks(d, true);
		if (p.comm === 'postgres') pg += p.ticks;
		else if (Number(d) === serverPid || p.ppid === serverPid) app += p.ticks;
	}
	return {
		total: f.reduce((a, b) => a + b, 0),
		idle: f[3]! + f[4]!,
		app,
		pg,
		gen: procTicks('self', true).ticks
	};
}
/** Shares of the machine between two snapshots, in % of one core (as top shows them). */
function cpuShares(a: CpuSnap, b: CpuSnap) {
	const n = cpus().length;
	const t = (b.total - a.total) / n;
	const share = (x: number) => Math.round((100 * x) / t);
	const app = share(b.app - a.app),
		pg = share(b.pg - a.pg),
		gen = share(b.gen - a.gen),
		idle = share(b.idle - a.idle);
	return {
		app,
		postgres: pg,
		generator: gen,
		other: Math.max(0, 100 * n - app - pg - gen - idle),
		idle,
		load1: Number(loadavg()[0]!.toFixed(2))
	};
}
const cpuLine = (c: ReturnType<typeof cpuShares>) =>
	`  CPU (% of one core, ${cpus().length} cores): app ${c.app}, PostgreSQL ${c.postgres}, load generator ${c.generator}, other ${c.other}, idle ${c.idle}; load average ${c.load1}`;
const phases: Record<string, ReturnType<typeof cpuShares>> = {};
async function phase<T>(name: string, f: () => Promise<T>): Promise<T> {
	const a = cpuSnap();
	const r = await f();
	phases[name] = cpuShares(a, cpuSnap());
	return r;
}

async function admin(sql: string) {
	const c = new pg.Client({ connectionString: ADMIN_URL });
	await c.connect();
	try {
		await c.query(sql);
	} finally {
		await c.end();
	}
}

async function startServer(url: string): Promise<() => void> {
	// BENCH_SERVER_NODE_ARGS passes Node flags to the app only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
	const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
	const child = spawn(
		process.execPath,
		[...nodeArgs, '--import', 'tsx', 'src/cli/main.ts', 'start'],
		{
			env: {
				...process.env,
				DATABASE_URL: url,
				PORT: String(PORT),
				HOST: '127.0.0.1',
				LOG_LEVEL: 'warn',
				BODY_SIZE_LIMIT: '512K',
				WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? '1'
			},
			stdio: ['ignore', 'pipe', 'inherit']
		}
	);
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

async function seed(url: string) {
	const h = openPostgres(url, 4);
	const centre = await h.db
		.selectFrom('centre')
		.select(['id', 'number'])
		.where('number', '=', '900001')
		.executeTakeFirstOrThrow();
	const records = Array.from({ length: CANDIDATES }, (_, i) => ({
		// Four-digit numbers from 5001 (the demo's are 0001…): at most 4999 bench candidates.
		candidate_number: String(5001 + i),
		first_name: 'Bench',
		last_name: `Candidate ${i + 1}`
	}));
	const imported = await importCandidates(h.db, SYSTEM_ACTOR, centre.id, records, 'bench.csv');
	if (!imported.ok) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
	const inv = await createStaffAccount(h.db, SYSTEM_ACTOR, {
		email: `bench.inv.${Date.now()}@example.test`,
		display_name: 'Bench',
		password: 'bench password 123',
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
	// The longest paper (Level 3) by default: the heaviest exam page, so the worst case is measured.
	const paper = await h.db
		.selectFrom('paper')
		.select('code')
		.where('code', '=', PAPER)
		.where('current_version_id', 'is not', null)
		.executeTakeFirstOrThrow();
	// Registered for the paper's qualification, as a booking needs (issue 15).
	await registerForPaper(h.db, centre.id, ids, paper.code);
	const sitting = await bookSitting(h.db, SYSTEM_ACTOR, centre.id, {
		paper_code: paper.code,
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
	// Proof that a page carries the paper: the opening words of its first question's stem (the title
	// alone is on the waiting screen too; the paper is there only once the sitting has started).
	const version = await h.db
		.selectFrom('paper_version')
		.select('content')
		.where('id', '=', sitting.paper_version_id)
		.executeTakeFirstOrThrow();
	const stem = String(
		(version.content as { sections: { questions: { stem: string }[] }[] }).sections[0]!
			.questions[0]!.stem
	);
	const marker =
		/^[A-Za-z0-9 ]{12,40}(?= |$)/.exec(stem.replace(/\s+/g, ' ').trim().slice(0, 41))?.[0] ?? '';
	if (marker.length < 12)
		throw new Error(`no usable marker in the first stem: ${stem.slice(0, 60)}`);
	return { h, centre, sitting, items, paperCode: paper.code, marker };
}

interface Candidate {
	cookie: string;
	attemptId: string;
	seq: Record<string, number>;
}

/** What a browser says it accepts: the paper is then sent brotli-compressed. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
/** Response bodies as sent, by request, per candidate (the paper's compressed). */
interface PageBytes {
	signIn: number;
	shell: number;
	data: number;
	paper: number;
}

/** The paper's address in the page's data (the page fetches it itself, +page.ts). */
const paperUrlIn = (data: string) => /"(\/api\/papers\/[^"]+\.json)"/.exec(data)?.[1];

/** The question paper from its address, as sent (brotli) and decoded; it must carry the paper (`marker`). */
async function fetchPaper(cookie: string, data: string, marker: string): Promise<number> {
	const url = paperUrlIn(data);
	if (!url) throw new Error(`page data without the paper's address (${data.length} bytes)`);
	const res = await request(`${base}${url}`, {
		headers: { cookie, 'accept-encoding': ACCEPT_ENCODING }
	});
	const raw = Buffer.from(await res.body.arrayBuffer());
	if (res.statusCode !== 200) throw new Error(`paper ${res.statusCode}`);
	const enc = res.headers['content-encoding'];
	const text = (
		enc === 'br' ? brotliDecompressSync(raw) : enc === 'gzip' ? gunzipSync(raw) : raw
	).toString('utf8');
	if (!text.includes(marker))
		throw new Error(`the paper at ${url} lacks its first question (${text.length} bytes)`);
	return raw.length;
}

/**
 * One candidate: sign in (form post, real cookie), then load the exam page as the browser does: the
 * HTML shell, the page's data (answers, clock, the paper's address), and the paper from its address,
 * which must carry the paper (`marker`, words of a question stem); anything else is a failure.
 */
async function signInAndLoad(
	number: string,
	keycode: string,
	marker: string
): Promise<{ c: Candidate; ms: number; bytes: PageBytes }> {
	const t = performance.now();
	const res = await request(`${base}/candidate/signin`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'text/html',
			'accept-encoding': ACCEPT_ENCODING
		},
		body: new URLSearchParams({
			centre_number: '900001',
			candidate_number: number,
			keycode
		}).toString()
	});
	const setCookie = res.headers['set-cookie'];
	const cookie = (Array.isArray(setCookie) ? setCookie[0] : (setCookie ?? ''))!.split(';')[0]!;
	const signIn = (await res.body.arrayBuffer()).byteLength;
	if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in ${number}: ${res.statusCode}`);
	// The page as a browser loads it: the HTML shell (rendered in the browser, ssr = false; its
	// scripts are static files the browser caches), then the page's data, then the paper.
	const page = await request(`${base}/candidate/exam`, {
		headers: { cookie, accept: 'text/html', 'accept-encoding': ACCEPT_ENCODING }
	});
	const shell = (await page.body.arrayBuffer()).byteLength;
	if (page.statusCode !== 200) throw new Error(`exam page for ${number}: ${page.statusCode}`);
	const data = await request(`${base}/candidate/exam/__data.json?x-sveltekit-invalidated=11`, {
		headers: { cookie, 'accept-encoding': ACCEPT_ENCODING }
	});
	const body = await data.body.text();
	if (data.statusCode !== 200) throw new Error(`exam page data for ${number}: ${data.statusCode}`);
	const paper = await fetchPaper(cookie, body, marker);
	// The only id in the candidate's page data between quotes is their attempt's.
	const attemptId = /"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"/.exec(
		body
	)?.[1];
	if (!attemptId) throw new Error(`exam page for ${number} has no attempt id`);
	return {
		c: { cookie, attemptId, seq: {} },
		ms: performance.now() - t,
		bytes: { signIn, shell, data: Buffer.byteLength(body), paper }
	};
}

/** The page's reload of its data (invalidateAll: root layout + page), then the paper, which must carry it. */
async function reloadData(c: Candidate, marker: string): Promise<void> {
	const res = await request(`${base}/candidate/exam/__data.json?x-sveltekit-invalidated=11`, {
		headers: { cookie: c.cookie }
	});
	const body = await res.body.text();
	if (res.statusCode !== 200) throw new Error(`page data ${res.statusCode}`);
	await fetchPaper(c.cookie, body, marker);
}

/** The page's clock poll (GET /api/attempts/{id}/clock with the candidate's cookie). */
async function clockPoll(c: Candidate): Promise<{ ms: number; state: string }> {
	const t = performance.now();
	const res = await request(`${base}/api/attempts/${c.attemptId}/clock`, {
		headers: { cookie: c.cookie }
	});
	const body = (await res.body.json()) as { state?: string };
	if (res.statusCode !== 200) throw new Error(`clock ${res.statusCode}`);
	return { ms: performance.now() - t, state: String(body.state) };
}

async function save(c: Candidate, item: string): Promise<number> {
	const seq = (c.seq[item] = (c.seq[item] ?? 0) + 1);
	const t = performance.now();
	// undici's request(), not fetch(): the load generator shares the machine's two cores with the
	// app and PostgreSQL, and fetch() costs it several times the CPU per call.
	const res = await request(`${base}/api/attempts/${c.attemptId}/responses/${item}`, {
		method: 'PUT',
		headers: { cookie: c.cookie, 'content-type': 'application/json' },
		body: JSON.stringify({ seq, text: `Answer text revision ${seq}. `.repeat(20) })
	});
	await res.body.arrayBuffer();
	if (res.statusCode !== 200) throw new Error(`save ${res.statusCode}`);
	return performance.now() - t;
}

interface Measured {
	latencies: number[];
	errors: number;
	firstError: string;
	elapsed: number;
	/** How late the load generator sent requests against their schedule (ms, sorted). */
	lag: number[];
	/** p99 latency of the requests sent in each second of the run: a one-off spike or a steady tail. */
	perSecondP99: number[];
}

/**
 * Open loop: request i is due at start + i / rate, whatever became of the earlier ones. Latency is
 * measured from the send; `lag` shows whether the load generator kept to the schedule.
 */
async function openLoop(
	rate: number,
	seconds: number,
	fire: (i: number) => Promise<number>
): Promise<Measured> {
	const latencies: number[] = [];
	const lag: number[] = [];
	let errors = 0;
	let firstError = '';
	const total = Math.round(rate * seconds);
	const start = performance.now();
	const inflight: Promise<void>[] = [];
	const bySecond: number[][] = Array.from({ length: Math.ceil(seconds) }, () => []);
	for (let i = 0; i < total; i++) {
		const due = start + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await new Promise((r) => setTimeout(r, wait));
		lag.push(Math.max(0, performance.now() - due));
		const second = bySecond[Math.min(bySecond.length - 1, Math.floor(i / rate))]!;
		inflight.push(
			fire(i).then(
				(l) => void (latencies.push(l), second.push(l)),
				(e: unknown) => {
					errors++;
					firstError ||= String(e instanceof Error ? e.message : e);
				}
			)
		);
	}
	await Promise.all(inflight);
	const elapsed = (performance.now() - start) / 1000;
	const perSecondP99 = bySecond.map((b) =>
		Math.round(
			pct(
				b.sort((x, y) => x - y),
				99
			)
		)
	);
	return {
		latencies: latencies.sort((a, b) => a - b),
		errors,
		firstError,
		elapsed,
		lag: lag.sort((a, b) => a - b),
		perSecondP99
	};
}

const saveAt = (cands: Candidate[], items: string[]) => (i: number) =>
	save(cands[i % cands.length]!, items[Math.floor(i / cands.length) % items.length]!);
/** Candidate i % n polls at phase (i % n) / n of the interval: each candidate once every POLL_MS. */
const pollAt = (cands: Candidate[]) => (i: number) =>
	clockPoll(cands[i % cands.length]!).then((r) => r.ms);

const summary = (m: Measured) =>
	`p50 ${ms(pct(m.latencies, 50))}, p95 ${ms(pct(m.latencies, 95))}, p99 ${ms(pct(m.latencies, 99))}, max ${ms(m.latencies.at(-1) ?? NaN)}, errors ${m.errors}${m.firstError ? ` (${m.firstError})` : ''}; sender lag p99 ${ms(pct(m.lag, 99))}\n  p99 of each second's requests (ms): ${m.perSecondP99.join(' ')}`;
const figures = (m: Measured) => ({
	ackPerSec: m.latencies.length / m.elapsed,
	n: m.latencies.length,
	p50: pct(m.latencies, 50),
	p95: pct(m.latencies, 95),
	p99: pct(m.latencies, 99),
	max: m.latencies.at(-1) ?? null,
	errors: m.errors,
	firstError: m.firstError,
	senderLagP99: pct(m.lag, 99),
	senderLagMax: m.lag.at(-1) ?? null,
	perSecondP99: m.perSecondP99
});

async function closedLoop(cands: Candidate[], items: string[], workers: number, seconds: number) {
	const latencies: number[] = [];
	let errors = 0;
	const end = performance.now() + seconds * 1000;
	let n = 0;
	await Promise.all(
		Array.from({ length: workers }, async () => {
			while (performance.now() < end) {
				const i = n++;
				try {
					latencies.push(await save(cands[i % cands.length]!, items[i % items.length]!));
				} catch {
					errors++;
				}
			}
		})
	);
	return { latencies: latencies.sort((a, b) => a - b), errors, elapsed: seconds };
}

interface PgbenchResult {
	clients: number;
	tps: number;
	latencyMs: number;
	transactions: number;
	failed: number;
}

function pgbench(
	url: string,
	scriptFile: string,
	clients: number,
	extra: string[] = []
): PgbenchResult {
	const u = new URL(url);
	const args = [
		'-h',
		u.hostname,
		'-p',
		u.port || '5432',
		'-U',
		decodeURIComponent(u.username) || 'root',
		'-n',
		'-c',
		String(clients),
		'-j',
		'2',
		'-T',
		String(Math.min(SECONDS, 15)),
		...extra,
		'-f',
		scriptFile,
		u.pathname.slice(1)
	];
	const r = spawnSync('pgbench', args, { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}\n${r.stdout}`);
	const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
	const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]);
	const transactions = Number(
		/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]
	);
	const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0);
	return { clients, tps, latencyMs, transactions, failed };
}

/**
 * The app's usual-case save (saveAnswer → writeAnswer in src/lib/server/delivery/candidate.ts),
 * statement for statement, on the same tables, as a pgbench script. Differences, all forced by
 * pgbench having only numeric variables: the session id and secret are digit strings of pgbench's
 * own sessions (on the bench's real attempts); the attempt id text the app takes from the URL comes
 * from a primary-key look-up in pgb_map (one extra index probe, counted against pgbench); the save
 * time is now() rather than a parameter. Each client owns its attempts (as no two in-flight saves
 * of the app's closed loop share a candidate) and its sequence numbers rise, so every save applies:
 * upsert, revision and attempt update, as in the app. A copy by necessity: change it with saveAnswer.
 */
function saveStatementScript(clients: number, attempts: number, itemCount: number): string {
	const per = Math.floor(attempts / clients);
	return `\\set n 1 + :client_id + ${clients} * random(0, ${per - 1})
\\set sid 900000 + :n
\\set hash 700000 + :n
\\set item random(1, ${itemCount})
\\set seq :seq + 1
with a as materialized (
	select a.id from attempt a
	where a.id = (
		select x.attempt_id from auth_session x
		join attempt a0 on a0.id = x.attempt_id
		join sitting s on s.id = a0.sitting_id
		join paper_item i on i.paper_version_id = s.paper_version_id and i.item_key = :item
		where x.id = :sid and x.secret_hash = :hash
			and x.attempt_id::text = (select aid from pgb_map where n = :n)
			and (x.expires_at is null or x.expires_at > now()::timestamptz)
	)
	and (a.state = 'in_progress' or (a.state = 'reading' and a.reading_ends_at <= now()::timestamptz))
	and (a.deadline_at is null or a.deadline_at > now()::timestamptz)
	for no key update),
up as (
	insert into response (attempt_id, item_key, seq, text, saved_at)
	select a.id, :item, :seq::integer, :txt, now()::timestamptz from a
	on conflict (attempt_id, item_key) do update
		set seq = excluded.seq, text = excluded.text, saved_at = excluded.saved_at
		where response.seq < excluded.seq
	returning attempt_id, seq, text, saved_at
), rev as (
	insert into response_revision (attempt_id, item_key, seq, text, saved_at)
	select attempt_id, :item, seq, text, saved_at from up
), touched as (
	update attempt set last_saved_at = now()::timestamptz where id in (select attempt_id from up)
)
select exists (select 1 from a) as attempt_ok, up.seq, up.saved_at from (select 1) as one left join up on true;
`;
}

/** The earlier comparison: upsert + revision + attempt update as three statements in a transaction, on bare tables. */
function oldTransactionScript(): string {
	return `\\set a random(1, ${CANDIDATES})
\\set s random(1, 1000000000)
BEGIN;
INSERT INTO bench_response (attempt_id, item_key, seq, text, saved_at) VALUES (:a, '1', :s, repeat('Answer text revision. ', 20), now())
  ON CONFLICT (attempt_id, item_key) DO UPDATE SET seq = excluded.seq, text = excluded.text, saved_at = excluded.saved_at WHERE bench_response.seq < excluded.seq;
INSERT INTO bench_revision (attempt_id, item_key, seq, text, saved_at) VALUES (:a, '1', :s, repeat('Answer text revision. ', 20), now());
UPDATE bench_attempt SET last_saved_at = now() WHERE id = :a;
COMMIT;
`;
}

/** The exam page's JavaScript as the build records it (tests/helpers/page-javascript.ts, also the e2e suite's check). */
async function examPageJs(): Promise<{ files: number; gzipBytes: number }> {
	const js = await pageJavaScript('/candidate/exam');
	console.log(
		`Candidate exam page JavaScript: ${js.files.length} files, ${(js.gzipBytes / 1024).toFixed(1)} KB gzipped (budget ${EXAM_PAGE_JS_BUDGET_BYTES / 1024} KB).`
	);
	return { files: js.files.length, gzipBytes: js.gzipBytes };
}

async function main() {
	if (process.argv.includes('slips')) {
		await benchResultSlips();
		return;
	}
	console.log(
		`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average now ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	buildIfNeeded(console.log);
	await admin(`drop database if exists ${DB} with (force)`);
	await admin(`create database ${DB}`);
	const url = databaseUrlFor(ADMIN_URL, DB);
	const stop = await startServer(url);
	try {
		const s = await seed(url);
		console.log(
			`Seeded ${CANDIDATES} candidates in one sitting of ${s.paperCode} (${s.items.length} items).`
		);

		// The invigilator marks everyone present and starts: reading time begins and the paper is
		// released. The storm is what the aim describes: 2,000 candidates sign in and load the paper.
		const ctx = { actor: SYSTEM_ACTOR, centreId: s.centre.id };
		await s.h.db
			.updateTable('attempt')
			.set({ present: true })
			.where('sitting_id', '=', s.sitting.id)
			.execute();
		const started = await startSitting(s.h.db, ctx, s.sitting.id);
		console.log(
			`Started ${started} attempts (reading time); a page counts only if it carries the paper ("${s.marker}").`
		);

		// 1a. Start storm: everyone at once.
		const t0 = performance.now();
		const results = await phase('storm', () =>
			Promise.allSettled(
				Array.from({ length: CANDIDATES }, (_, i) =>
					signInAndLoad(String(5001 + i), s.sitting.keycode, s.marker)
				)
			)
		);
		const stormSeconds = (performance.now() - t0) / 1000;
		const ok = results
			.filter(
				(r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof signInAndLoad>>> =>
					r.status === 'fulfilled'
			)
			.map((r) => r.value);
		const stormErrors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		const stormFirstError = stormErrors[0]
			? String(stormErrors[0].reason?.message ?? stormErrors[0].reason)
			: '';
		const stormLat = ok.map((r) => r.ms).sort((a, b) => a - b);
		const cands = ok.map((r) => r.c);
		console.log(
			`Start storm: ${ok.length}/${CANDIDATES} signed in and loaded the exam page with the paper in ${stormSeconds.toFixed(2)} s (p50 ${ms(pct(stormLat, 50))}, p95 ${ms(pct(stormLat, 95))}, p99 ${ms(pct(stormLat, 99))}), errors ${stormErrors.length}${stormFirstError ? ` (${stormFirstError})` : ''}.`
		);
		const perCandidate = (k: keyof PageBytes) =>
			ok.reduce((n, r) => n + r.bytes[k], 0) / Math.max(1, ok.length);
		const stormBytes = {
			signIn: perCandidate('signIn'),
			shell: perCandidate('shell'),
			data: perCandidate('data'),
			paper: perCandidate('paper')
		};
		const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
		console.log(
			`  bytes per candidate (response bodies as sent): ${kb(stormBytes.signIn + stormBytes.shell + stormBytes.data + stormBytes.paper)} = sign-in ${kb(stormBytes.signIn)} + page shell ${kb(stormBytes.shell)} + page data ${kb(stormBytes.data)} + paper ${kb(stormBytes.paper)} (brotli)`
		);
		console.log(cpuLine(phases.storm!));
		if (!cands.length) throw new Error('no candidate got in; nothing else can be measured');
		const storm = {
			ok: ok.length,
			errors: stormErrors.length,
			firstError: stormFirstError,
			seconds: stormSeconds,
			p50: pct(stormLat, 50),
			p95: pct(stormLat, 95),
			p99: pct(stormLat, 99),
			bytesPerCandidate: stormBytes
		};
		if (STORM_ONLY) {
			const js = await examPageJs();
			mkdirSync('tests/load/out', { recursive: true });
			writeFileSync(
				'tests/load/out/latest-storm.json',
				JSON.stringify(
					{
						date: new Date().toISOString(),
						candidates: CANDIDATES,
						paper: s.paperCode,
						storm,
						js,
						cpu: phases
					},
					null,
					2
				)
			);
			await s.h.close();
			return;
		}

		// 1b. Start-moment stampede, as the pages do it: each waiting page's next clock poll (at its own
		// phase of the 3 s interval) sees the start, and the page reloads its data with the paper.
		const pollTimes = cands.map(() => Math.random() * POLL_MS);
		const t1 = performance.now();
		const stampede = await phase('stampedeSpread', () =>
			Promise.allSettled(
				cands.map(async (c, i) => {
					await new Promise((r) => setTimeout(r, pollTimes[i]));
					const t = performance.now();
					const clock = await clockPoll(c);
					if (clock.state === 'not_started') throw new Error('clock still says not started');
					await reloadData(c, s.marker);
					return performance.now() - t;
				})
			)
		);
		const stampedeSeconds = (performance.now() - t1) / 1000;
		const stampedeLat = stampede
			.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
			.sort((a, b) => a - b);
		const stampedeErr = stampede.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		console.log(
			`Start stampede (poll + reload, spread over the ${POLL_MS / 1000} s poll interval): ${stampedeLat.length}/${cands.length} have the paper ${stampedeSeconds.toFixed(2)} s after the start; per page p50 ${ms(pct(stampedeLat, 50))}, p95 ${ms(pct(stampedeLat, 95))}, p99 ${ms(pct(stampedeLat, 99))}, errors ${stampedeErr.length}${stampedeErr[0] ? ` (${stampedeErr[0].reason?.message ?? stampedeErr[0].reason})` : ''}.`
		);
		console.log(cpuLine(phases.stampedeSpread!));
		// Worst case: every page reloads in the same instant.
		const t2 = performance.now();
		const burst = await phase('stampedeBurst', () =>
			Promise.allSettled(
				cands.map(async (c) => {
					const t = performance.now();
					await reloadData(c, s.marker);
					return performance.now() - t;
				})
			)
		);
		const burstSeconds = (performance.now() - t2) / 1000;
		const burstLat = burst
			.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
			.sort((a, b) => a - b);
		const burstErr = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		console.log(
			`Start stampede, all ${cands.length} reloads at once: ${burstLat.length}/${cands.length} in ${burstSeconds.toFixed(2)} s, p50 ${ms(pct(burstLat, 50))}, p95 ${ms(pct(burstLat, 95))}, p99 ${ms(pct(burstLat, 99))}, errors ${burstErr.length}${burstErr[0] ? ` (${burstErr[0].reason?.message ?? burstErr[0].reason})` : ''}.`
		);
		console.log(cpuLine(phases.stampedeBurst!));

		// The bench skips the rest of the 5 minutes' reading time.
		await s.h.db
			.updateTable('attempt')
			.set({ reading_ends_at: new Date(Date.now() - 1000) })
			.where('sitting_id', '=', s.sitting.id)
			.execute();
		// In a real sitting the 5 minutes' reading lie between these writes (2,000 sessions, events and
		// attempt updates) and the first answers, time enough for autovacuum; here it would run during
		// the measurement instead, so tidy up first.
		await pg_exec(
			url,
			'vacuum analyze attempt, auth_session, sitting_event, response, response_revision'
		);

		// 2a. Open loop at the offered rate, saves alone (the earlier runs' measure).
		const open = await phase('open', () => openLoop(OFFERED_RATE, SECONDS, saveAt(cands, s.items)));
		console.log(
			`Autosave at ${OFFERED_RATE}/s offered, saves alone: ${(open.latencies.length / open.elapsed).toFixed(0)} acknowledged/s, ${summary(open)}.`
		);
		console.log(cpuLine(phases.open!));
		// 2b. The same with every candidate's clock poll running, as in a real sitting.
		const pollRate = (cands.length * 1000) / POLL_MS;
		const [openP, polls] = await phase('openWithPolls', () =>
			Promise.all([
				openLoop(OFFERED_RATE, SECONDS, saveAt(cands, s.items)),
				openLoop(pollRate, SECONDS, pollAt(cands))
			])
		);
		console.log(
			`Autosave at ${OFFERED_RATE}/s offered with ${pollRate.toFixed(0)} clock polls/s: ${(openP.latencies.length / openP.elapsed).toFixed(0)} acknowledged/s, ${summary(openP)}.`
		);
		console.log(
			`Clock polls during it: ${(polls.latencies.length / polls.elapsed).toFixed(0)}/s answered, ${summary(polls)}.`
		);
		console.log(cpuLine(phases.openWithPolls!));
		// 2c. Closed loop: as fast as the server acknowledges.
		const closed = await phase('closed', () =>
			closedLoop(cands, s.items, CLOSED_CLIENTS, Math.min(SECONDS, 15))
		);
		const closedRate = closed.latencies.length / closed.elapsed;
		console.log(
			`Autosave, ${CLOSED_CLIENTS} clients flat out: ${closedRate.toFixed(0)} acknowledged/s, p50 ${ms(pct(closed.latencies, 50))}, p95 ${ms(pct(closed.latencies, 95))}, p99 ${ms(pct(closed.latencies, 99))}, errors ${closed.errors}.`
		);
		console.log(cpuLine(phases.closed!));

		// 3. pgbench. (a) The app's own save statement, prepared, on the same tables.
		const digitItems = (() => {
			let k = 0;
			while (s.items.includes(String(k + 1))) k++;
			return k;
		})();
		if (digitItems < 1)
			throw new Error(
				`paper ${s.paperCode} has no item "1": the pgbench script needs items "1".."k"`
			);
		await pg_exec(url, 'create table pgb_map (n int primary key, aid text not null)');
		await pg_exec(
			url,
			`insert into pgb_map select row_number() over (order by id), id::text from attempt where sitting_id = '${s.sitting.id}'`
		);
		await pg_exec(
			url,
			`insert into auth_session (id, secret_hash, user_id, attempt_id, expires_at, created_at, last_verified_at) select (900000 + n)::text, convert_to((700000 + n)::text, 'UTF8'), null, aid::uuid, now() + interval '1 day', now(), now() from pgb_map`
		);
		await pg_exec(
			url,
			'vacuum analyze pgb_map, auth_session, attempt, response, response_revision'
		);
		const attemptsN = Number(
			(
				await s.h.db
					.selectFrom('attempt')
					.select((eb) => eb.fn.countAll().as('n'))
					.where('sitting_id', '=', s.sitting.id)
					.executeTakeFirstOrThrow()
			).n
		);
		mkdirSync('tests/load/out', { recursive: true });
		const revisions = async () =>
			Number(
				(
					await s.h.db
						.selectFrom('response_revision')
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirstOrThrow()
				).n
			);
		let pgbenchRuns = 0;
		const sameStatement = (clients: number) => {
			const file = `tests/load/out/save-statement-${clients}.sql`;
			writeFileSync(file, saveStatementScript(clients, attemptsN, digitItems));
			// Each run's sequence numbers start above every earlier one's, so every save applies.
			const seqBase = ++pgbenchRuns * 100_000_000;
			return pgbench(url, file, clients, [
				'-M',
				'prepared',
				'-D',
				`seq=${seqBase}`,
				'-D',
				`txt=${'Answer text revision 7. '.repeat(20)}`
			]);
		};
		const before = await revisions();
		const rawC = await phase('pgbenchClosedClients', async () => sameStatement(CLOSED_CLIENTS));
		const rawP = await phase('pgbenchPoolSize', async () => sameStatement(APP_POOL));
		const applied = (await revisions()) - before;
		const processed = rawC.transactions + rawP.transactions;
		for (const [r, ph] of [
			[rawC, 'pgbenchClosedClients'],
			[rawP, 'pgbenchPoolSize']
		] as const)
			console.log(
				`pgbench, the app's save statement, -M prepared, ${r.clients} clients: ${r.tps.toFixed(0)} tps, average ${ms(r.latencyMs)}, failed ${r.failed}.\n${cpuLine(phases[ph]!)}`
			);
		console.log(
			`  saves applied by pgbench (revision rows added / transactions): ${applied}/${processed}.`
		);
		if (applied < processed * 0.99)
			throw new Error(
				`pgbench saves did not all apply (${applied}/${processed}): the comparison would be unfair`
			);
		// (b) The earlier comparison: three statements in one transaction on bare tables, 16 clients.
		await s.h.db.schema
			.createTable('bench_attempt')
			.addColumn('id', 'integer', (c) => c.primaryKey())
			.addColumn('last_saved_at', 'timestamptz')
			.execute();
		await pg_exec(
			url,
			`insert into bench_attempt select g, null from generate_series(1, ${CANDIDATES}) g`
		);
		await pg_exec(
			url,
			'create table bench_response (attempt_id int, item_key text, seq int, text text, saved_at timestamptz, primary key (attempt_id, item_key))'
		);
		await pg_exec(
			url,
			'create table bench_revision (id bigint generated always as identity primary key, attempt_id int, item_key text, seq int, text text, saved_at timestamptz)'
		);
		writeFileSync('tests/load/out/upsert.sql', oldTransactionScript());
		const rawOld = await phase('pgbenchOld', async () =>
			pgbench(url, 'tests/load/out/upsert.sql', 16)
		);
		console.log(
			`pgbench, old comparison (upsert + revision + attempt update as a 3-statement transaction, simple protocol, 16 clients): ${rawOld.tps.toFixed(0)} tps, average ${ms(rawOld.latencyMs)}.`
		);
		console.log(cpuLine(phases.pgbenchOld!));
		const best = Math.max(rawC.tps, rawP.tps);
		console.log(
			`App (${CLOSED_CLIENTS} clients) / pgbench same statement: ${(closedRate / rawC.tps).toFixed(2)} at ${CLOSED_CLIENTS} clients, ${(closedRate / rawP.tps).toFixed(2)} at ${APP_POOL} clients; against the better pgbench figure ${(closedRate / best).toFixed(2)}. (Old comparison: ${(closedRate / rawOld.tps).toFixed(2)}.)`
		);

		// 4. JavaScript the candidate page ships.
		const js = await examPageJs();

		const out = {
			date: new Date().toISOString(),
			machine: {
				cores: cpus().length,
				memGiB: Math.round(totalmem() / 2 ** 30),
				node: process.version
			},
			candidates: CANDIDATES,
			paper: s.paperCode,
			storm,
			stampedeSpread: {
				ok: stampedeLat.length,
				errors: stampedeErr.length,
				seconds: stampedeSeconds,
				p50: pct(stampedeLat, 50),
				p95: pct(stampedeLat, 95),
				p99: pct(stampedeLat, 99)
			},
			stampedeBurst: {
				ok: burstLat.length,
				errors: burstErr.length,
				seconds: burstSeconds,
				p50: pct(burstLat, 50),
				p95: pct(burstLat, 95),
				p99: pct(burstLat, 99)
			},
			autosaveOpen: { offered: OFFERED_RATE, ...figures(open) },
			autosaveOpenWithPolls: {
				offered: OFFERED_RATE,
				pollRate,
				saves: figures(openP),
				polls: figures(polls)
			},
			autosaveClosed: {
				clients: CLOSED_CLIENTS,
				ackPerSec: closedRate,
				p50: pct(closed.latencies, 50),
				p95: pct(closed.latencies, 95),
				p99: pct(closed.latencies, 99),
				errors: closed.errors
			},
			pgbench: {
				sameStatement: [rawC, rawP],
				itemsUsed: digitItems,
				appliedRevisions: applied,
				old: rawOld
			},
			ratio: {
				atClosedClients: closedRate / rawC.tps,
				atPoolSize: closedRate / rawP.tps,
				againstBest: closedRate / best,
				old: closedRate / rawOld.tps
			},
			js,
			cpu: phases
		};
		writeFileSync('tests/load/out/latest.json', JSON.stringify(out, null, 2));
		await s.h.close();
	} finally {
		stop();
	}
	// After the app has stopped, so the slips are measured on a quiet box.
	if (!STORM_ONLY) await benchResultSlips();
}

async function pg_exec(url: string, sql: string) {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	await c.query(sql);
	await c.end();
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
