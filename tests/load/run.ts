/**
 * Benchmarks (npm run bench): against PostgreSQL, with the built app served as `npm start` serves it.
 *   1. Start storm: 2,000 candidates sign in (real cookies) and load the exam page at once.
 *   2. Autosave: the 2,000 signed-in candidates save on a schedule (400 saves/s offered), then a
 *      closed loop finds the most acknowledged saves per second; latency p50/p95/p99.
 *   3. pgbench running the same upsert + revision insert, in the same run, for comparison.
 *   4. Gzipped JavaScript the candidate exam page loads.
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres as admin).
 * Other knobs: BENCH_CANDIDATES (2000), BENCH_RATE (400), BENCH_SECONDS (20), BENCH_PAPER (8992-113-A),
 * WEB_CONCURRENCY (app processes, 1), BENCH_SERVER_NODE_ARGS (Node flags for the app, e.g. profiling).
 * Prints a markdown summary and writes tests/load/out/latest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import { Agent, request, setGlobalDispatcher } from 'undici';
import { openPostgres } from '../../src/lib/server/db/index.js';
import { importCandidates, createStaffAccount } from '../../src/lib/server/centres/index.js';
import { bookSitting } from '../../src/lib/server/sittings/index.js';
import { startSitting } from '../../src/lib/server/delivery/attempts.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { buildIfNeeded } from '../../src/cli/build-if-needed.js';
import { databaseUrlFor } from '../helpers/pg-admin.js';

const CANDIDATES = Number(process.env.BENCH_CANDIDATES ?? 2000);
const OFFERED_RATE = Number(process.env.BENCH_RATE ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3999);
const PAPER = process.env.BENCH_PAPER ?? '8992-113-A';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const DB = 'exam_bench';
const base = `http://127.0.0.1:${PORT}`;

setGlobalDispatcher(new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 }));

function pct(sorted: number[], p: number): number {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

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
	const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli/main.ts', 'start'], {
		env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', BODY_SIZE_LIMIT: '512K', WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? '1' },
		stdio: ['ignore', 'pipe', 'inherit']
	});
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
	const centre = await h.db.selectFrom('centre').select(['id', 'number']).where('number', '=', '900001').executeTakeFirstOrThrow();
	const records = Array.from({ length: CANDIDATES }, (_, i) => ({ candidate_number: `B${String(i + 1).padStart(5, '0')}`, first_name: 'Bench', last_name: `Candidate ${i + 1}` }));
	const imported = await importCandidates(h.db, SYSTEM_ACTOR, centre.id, records, 'bench.csv');
	if (!imported.ok) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
	const inv = await createStaffAccount(h.db, SYSTEM_ACTOR, { email: `bench.inv.${Date.now()}@example.test`, display_name: 'Bench', password: 'bench password 123', role: 'invigilator', centre_id: centre.id });
	const ids = (await h.db.selectFrom('candidate').select('id').where('centre_id', '=', centre.id).where('candidate_number', 'like', 'B%').execute()).map((r) => r.id);
	// The longest paper (Level 3) by default: the heaviest exam page, so the worst case is measured.
	const paper = await h.db.selectFrom('paper').select('code').where('code', '=', PAPER).where('current_version_id', 'is not', null).executeTakeFirstOrThrow();
	const sitting = await bookSitting(h.db, SYSTEM_ACTOR, centre.id, { paper_code: paper.code, scheduled_at: new Date().toISOString(), room: 'Hall', invigilator_ids: [inv.id], candidate_ids: ids });
	const items = (await h.db.selectFrom('paper_item').select('item_key').where('paper_version_id', '=', sitting.paper_version_id).orderBy('position').execute()).map((r) => r.item_key);
	return { h, centre, sitting, items, paperCode: paper.code };
}

interface Candidate {
	cookie: string;
	attemptId: string;
	seq: Record<string, number>;
}

/** One candidate: sign in (form post, real cookie), then load the exam page. Returns the ms it took. */
async function signInAndLoad(number: string, keycode: string): Promise<{ c: Candidate; ms: number }> {
	const t = performance.now();
	const res = await fetch(`${base}/candidate/signin`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, accept: 'text/html' },
		body: new URLSearchParams({ centre_number: '900001', candidate_number: number, keycode })
	});
	const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
	await res.arrayBuffer();
	if (res.status !== 303 || !cookie) throw new Error(`sign-in ${number}: ${res.status}`);
	const page = await fetch(`${base}/candidate/exam`, { headers: { cookie } });
	const html = await page.text();
	const attemptId = /attemptId:"([0-9a-f-]{36})"/.exec(html)?.[1];
	if (!attemptId) throw new Error(`exam page for ${number} has no attempt id`);
	return { c: { cookie, attemptId, seq: {} }, ms: performance.now() - t };
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

async function openLoop(cands: Candidate[], items: string[], rate: number, seconds: number) {
	const latencies: number[] = [];
	let errors = 0;
	const total = rate * seconds;
	const start = performance.now();
	const inflight: Promise<void>[] = [];
	for (let i = 0; i < total; i++) {
		const due = start + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await new Promise((r) => setTimeout(r, wait));
		const c = cands[i % cands.length]!;
		inflight.push(save(c, items[Math.floor(i / cands.length) % items.length]!).then((l) => void latencies.push(l), () => void errors++));
	}
	await Promise.all(inflight);
	const elapsed = (performance.now() - start) / 1000;
	return { latencies: latencies.sort((a, b) => a - b), errors, elapsed };
}

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

function pgbench(url: string): { tps: number; latencyMs: number } {
	const script = `\\set a random(1, ${CANDIDATES})
\\set s random(1, 1000000000)
BEGIN;
INSERT INTO bench_response (attempt_id, item_key, seq, text, saved_at) VALUES (:a, '1', :s, repeat('Answer text revision. ', 20), now())
  ON CONFLICT (attempt_id, item_key) DO UPDATE SET seq = excluded.seq, text = excluded.text, saved_at = excluded.saved_at WHERE bench_response.seq < excluded.seq;
INSERT INTO bench_revision (attempt_id, item_key, seq, text, saved_at) VALUES (:a, '1', :s, repeat('Answer text revision. ', 20), now());
UPDATE bench_attempt SET last_saved_at = now() WHERE id = :a;
COMMIT;
`;
	mkdirSync('tests/load/out', { recursive: true });
	writeFileSync('tests/load/out/upsert.sql', script);
	const u = new URL(url);
	const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username) || 'root', '-n', '-c', '16', '-j', '2', '-T', String(Math.min(SECONDS, 15)), '-f', 'tests/load/out/upsert.sql', u.pathname.slice(1)];
	const r = spawnSync('pgbench', args, { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
	const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
	const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]);
	return { tps, latencyMs };
}

async function jsWeight(c: Candidate): Promise<{ files: number; gzipBytes: number }> {
	const pageUrl = `${base}/candidate/exam`;
	const html = await (await fetch(pageUrl, { headers: { cookie: c.cookie } })).text();
	const urls = new Set<string>();
	// SvelteKit links its modules relative to the page (../_app/immutable/…).
	for (const m of html.matchAll(/(?:href|src)="([^"]*_app\/[^"]+\.js)"/g)) urls.add(new URL(m[1]!, pageUrl).pathname);
	for (const m of html.matchAll(/import\("([^"]*_app\/[^"]+\.js)"\)/g)) urls.add(new URL(m[1]!, pageUrl).pathname);
	// Follow static imports of each module (the browser loads them all before the page runs).
	const seen = new Set<string>();
	let gzipBytes = 0;
	const queue = [...urls];
	while (queue.length) {
		const u = queue.pop()!;
		if (seen.has(u)) continue;
		seen.add(u);
		const body = await (await fetch(`${base}${u}`)).text();
		gzipBytes += gzipSync(body, { level: 9 }).length;
		for (const m of body.matchAll(/from\s*"(\.{1,2}\/[^"]+\.js)"|import\s*"(\.{1,2}\/[^"]+\.js)"/g)) {
			queue.push(new URL(m[1] ?? m[2]!, `${base}${u}`).pathname);
		}
	}
	return { files: seen.size, gzipBytes };
}

async function main() {
	console.log(`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
	buildIfNeeded(console.log);
	await admin(`drop database if exists ${DB} with (force)`);
	await admin(`create database ${DB}`);
	const url = databaseUrlFor(ADMIN_URL, DB);
	const stop = await startServer(url);
	try {
		const s = await seed(url);
		console.log(`Seeded ${CANDIDATES} candidates in one sitting of ${s.paperCode} (${s.items.length} items).`);

		// 1. Start storm: everyone at once.
		const t0 = performance.now();
		const results = await Promise.allSettled(Array.from({ length: CANDIDATES }, (_, i) => signInAndLoad(`B${String(i + 1).padStart(5, '0')}`, s.sitting.keycode)));
		const stormSeconds = (performance.now() - t0) / 1000;
		const ok = results.filter((r): r is PromiseFulfilledResult<{ c: Candidate; ms: number }> => r.status === 'fulfilled').map((r) => r.value);
		const stormLat = ok.map((r) => r.ms).sort((a, b) => a - b);
		const cands = ok.map((r) => r.c);
		console.log(`Start storm: ${ok.length}/${CANDIDATES} signed in and loaded the exam page in ${stormSeconds.toFixed(2)} s (p50 ${ms(pct(stormLat, 50))}, p95 ${ms(pct(stormLat, 95))}).`);

		// The invigilator starts; the bench skips the 5 minutes' reading time.
		const ctx = { actor: SYSTEM_ACTOR, centreId: s.centre.id };
		const attempts = await s.h.db.selectFrom('attempt').select('id').where('sitting_id', '=', s.sitting.id).execute();
		await s.h.db.updateTable('attempt').set({ present: true }).where('sitting_id', '=', s.sitting.id).execute();
		await startSitting(s.h.db, ctx, s.sitting.id);
		await s.h.db.updateTable('attempt').set({ reading_ends_at: new Date(Date.now() - 1000) }).where('sitting_id', '=', s.sitting.id).execute();
		// In a real sitting the 5 minutes' reading lie between these writes (2,000 sessions, events and
		// attempt updates) and the first answers, time enough for autovacuum; here it would run during
		// the measurement instead, so tidy up first.
		await pg_exec(url, 'vacuum analyze attempt, auth_session, sitting_event, response, response_revision');
		console.log(`Started ${attempts.length} attempts.`);

		// 2a. Open loop at the offered rate.
		const open = await openLoop(cands, s.items, OFFERED_RATE, SECONDS);
		const openRate = open.latencies.length / open.elapsed;
		console.log(`Autosave at ${OFFERED_RATE}/s offered: ${openRate.toFixed(0)} acknowledged/s, p50 ${ms(pct(open.latencies, 50))}, p95 ${ms(pct(open.latencies, 95))}, p99 ${ms(pct(open.latencies, 99))}, errors ${open.errors}.`);
		// 2b. Closed loop: as fast as the server acknowledges.
		const closed = await closedLoop(cands, s.items, 64, Math.min(SECONDS, 15));
		const closedRate = closed.latencies.length / closed.elapsed;
		console.log(`Autosave, 64 clients flat out: ${closedRate.toFixed(0)} acknowledged/s, p50 ${ms(pct(closed.latencies, 50))}, p95 ${ms(pct(closed.latencies, 95))}, p99 ${ms(pct(closed.latencies, 99))}, errors ${closed.errors}.`);

		// 3. pgbench: the same three statements in one transaction, straight at PostgreSQL.
		await s.h.db.schema.createTable('bench_attempt').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('last_saved_at', 'timestamptz').execute();
		await pg_exec(url, `insert into bench_attempt select g, null from generate_series(1, ${CANDIDATES}) g`);
		await pg_exec(url, 'create table bench_response (attempt_id int, item_key text, seq int, text text, saved_at timestamptz, primary key (attempt_id, item_key))');
		await pg_exec(url, 'create table bench_revision (id bigint generated always as identity primary key, attempt_id int, item_key text, seq int, text text, saved_at timestamptz)');
		const raw = pgbench(url);
		console.log(`pgbench, same upsert + revision + attempt update (16 clients): ${raw.tps.toFixed(0)} tps, average ${ms(raw.latencyMs)}.`);
		console.log(`App / pgbench: ${(closedRate / raw.tps).toFixed(2)}.`);

		// 4. JavaScript the candidate page ships.
		const js = await jsWeight(cands[0]!);
		console.log(`Candidate exam page JavaScript: ${js.files} files, ${(js.gzipBytes / 1024).toFixed(1)} KB gzipped.`);

		const out = {
			date: new Date().toISOString(),
			machine: { cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
			candidates: CANDIDATES,
			storm: { ok: ok.length, seconds: stormSeconds, p50: pct(stormLat, 50), p95: pct(stormLat, 95) },
			autosaveOpen: { offered: OFFERED_RATE, ackPerSec: openRate, p50: pct(open.latencies, 50), p95: pct(open.latencies, 95), p99: pct(open.latencies, 99), errors: open.errors },
			autosaveClosed: { ackPerSec: closedRate, p50: pct(closed.latencies, 50), p95: pct(closed.latencies, 95), p99: pct(closed.latencies, 99), errors: closed.errors },
			pgbench: raw,
			js
		};
		writeFileSync('tests/load/out/latest.json', JSON.stringify(out, null, 2));
		await s.h.close();
	} finally {
		stop();
	}
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
