/**
 * Marking benchmark (npm run bench runs it after run.ts; npm run bench:marking alone): "save and
 * next" with 10,000 scripts in the database, beside pgbench running the same statements in the
 * same run.
 *
 *   1. A fresh PostgreSQL database (exam_bench_marking), prepared as `npm start` prepares it
 *      (migrations, the question bank, the demo), then seeded in bulk SQL: 10 centres of 1,000
 *      candidates, 50 ended sittings of 8992-111-A, 10,000 submitted attempts with answers to its
 *      16 items (160,000 responses), 10,000 live scripts, every item of every script allocated
 *      (whole-script first marking) to one of 10 markers (160,000 allocations), and the first 40%
 *      of each marker's queue already marked (64,000 marks), as on a marking day well under way.
 *   2. "Save and next" as the marker's screen does it: record the mark on the current allocation
 *      (one transaction: lock and check the allocation, append the mark, complete the allocation,
 *      see whether the script is finished), then load the next item (the marker's oldest open
 *      allocation, its answer, the script number, any earlier mark). One marker alone, then all 10
 *      markers flat out at once (the app's pool size); latency per save-and-next, p50/p95/p99.
 *   3. pgbench with the same statements (-M prepared), 1 client and 10 clients, in the same run.
 *
 * IN-PROCESS, NOT HTTP (2026-11-29): the marking screen's save action and recordMark are being built
 * on the branch marking-core and had not landed when this was written, so the statements are this
 * file's model of them (saveAndNext below), run through the app's own database layer (Kysely on
 * the app's pg pool with its prepared statements) in this process. Measure the app's endpoint over
 * HTTP once it exists, and keep the pgbench script in step with recordMark's statements.
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres as admin).
 * Knobs: BENCH_SCRIPTS (10000), BENCH_MARKERS (10), BENCH_SECONDS (15). Writes tests/load/out/marking.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { openPostgres } from '../../src/lib/server/db/index.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { createStaffAccount } from '../../src/lib/server/centres/index.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { databaseUrlFor } from '../helpers/pg-admin.js';

const SCRIPTS = Number(process.env.BENCH_SCRIPTS ?? 10_000);
const MARKERS = Number(process.env.BENCH_MARKERS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PAPER = '8992-111-A';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const DB = 'exam_bench_marking';
/** Share of each marker's queue already marked before the measurement. */
const DONE_SHARE = 0.4;
const APP_POOL = Number(process.env.DB_POOL_SIZE || 10);

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** CPU split between two snapshots, % of one core: this process (app code + load generator), PostgreSQL, other, idle. */
function cpuSnap() {
	const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
	let postgres = 0;
	let self = 0;
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		try {
			const s = readFileSync(`/proc/${d}/stat`, 'utf8');
			const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
			const r = s
				.slice(s.lastIndexOf(')') + 2)
				.split(' ')
				.map(Number);
			// utime stime cutime cstime, with reaped children: pgbench (this process's child) and
			// PostgreSQL backends that exited (the postmaster's), as run.ts counts them.
			if (comm === 'postgres') postgres += r[11]! + r[12]! + r[13]! + r[14]!;
			else if (Number(d) === process.pid) self += r[11]! + r[12]! + r[13]! + r[14]!;
		} catch {
			/* gone meanwhile */
		}
	}
	return { total: f.reduce((a, b) => a + b, 0), idle: f[3]! + f[4]!, postgres, self };
}
type Snap = ReturnType<typeof cpuSnap>;
function cpuLine(a: Snap, b: Snap) {
	const n = cpus().length;
	const t = (b.total - a.total) / n;
	const share = (x: number) => Math.round((100 * x) / t);
	const self = share(b.self - a.self);
	const postgres = share(b.postgres - a.postgres);
	const idle = share(b.idle - a.idle);
	const other = Math.max(0, 100 * n - self - postgres - idle);
	const c = { bench: self, postgres, other, idle, load1: Number(loadavg()[0]!.toFixed(2)) };
	return {
		c,
		line: `  CPU (% of one core, ${n} cores): this process (app code, or pgbench) ${c.bench}, PostgreSQL ${c.postgres}, other ${c.other}, idle ${c.idle}; load average ${c.load1}`
	};
}

async function exec(url: string, sql: string) {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	try {
		return await c.query(sql);
	} finally {
		await c.end();
	}
}

/** Bulk seeding: everything in set-based SQL, so 10,000 scripts take seconds. */
async function seed(url: string, db: Kysely<Database>) {
	const pv = await db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select(['v.id', 'v.reading_minutes', 'v.duration_minutes'])
		.where('p.code', '=', PAPER)
		.executeTakeFirstOrThrow();
	const markerIds: string[] = [];
	for (let m = 1; m <= MARKERS; m++) {
		const u = await createStaffAccount(db, SYSTEM_ACTOR, {
			email: `bench.marker.${m}@example.test`,
			display_name: `Bench Marker ${m}`,
			password: 'bench password 123',
			role: 'marker'
		});
		markerIds.push(u.id);
	}
	const perCentre = 1000;
	const centres = Math.ceil(SCRIPTS / perCentre);
	const perSitting = 200;
	const t0 = performance.now();
	const steps: [string, string][] = [
		['centres', `insert into centre (number, name) select (910000 + g)::text, 'Bench Centre ' || g from generate_series(1, ${centres}) g`],
		[
			'candidates',
			`insert into candidate (centre_id, candidate_number, first_name, last_name)
			 select c.id, lpad(g::text, 4, '0'), 'Bench', 'Candidate ' || c.number || '/' || g
			 from centre c cross join generate_series(1, ${perCentre}) g where c.number like '9100%'`
		],
		[
			'sittings',
			`insert into sitting (centre_id, paper_version_id, scheduled_at, room, keycode, state, started_at, ended_at)
			 select c.id, '${pv.id}', now() - interval '2 days' + s * interval '1 hour', 'Hall ' || s, 'BENCH' || s, 'ended',
				now() - interval '2 days' + s * interval '1 hour', now() - interval '2 days' + s * interval '1 hour' + interval '${pv.reading_minutes + pv.duration_minutes} minutes'
			 from centre c cross join generate_series(1, ${perCentre / perSitting}) s where c.number like '9100%'`
		],
		[
			'attempts',
			`insert into attempt (sitting_id, candidate_id, state, present, started_at, reading_ends_at, deadline_at, submitted_at, submit_reason, reference, last_saved_at)
			 select s.id, k.id, 'submitted', true, s.started_at, s.started_at + interval '${pv.reading_minutes} minutes', s.ended_at, s.ended_at, 'sitting_ended',
				'R' || k.id::text, s.ended_at - interval '1 minute'
			 from candidate k join centre c on c.id = k.centre_id and c.number like '9100%'
			 join sitting s on s.centre_id = k.centre_id and s.room = 'Hall ' || ((k.candidate_number::int - 1) / ${perSitting} + 1)
			 where (c.number::int - 910001) * ${perCentre} + k.candidate_number::int <= ${SCRIPTS}`
		],
		[
			// About 350 characters an answer; one item in eight left blank, as real scripts have them.
			'responses',
			`insert into response (attempt_id, item_key, seq, text, saved_at)
			 select a.id, i.item_key, 1, repeat('The customer should be greeted politely and listened to. ', 6), a.submitted_at - interval '5 minutes'
			 from attempt a join sitting s on s.id = a.sitting_id and s.room like 'Hall %'
			 join paper_item i on i.paper_version_id = s.paper_version_id
			 where (hashtext(a.id::text || i.item_key) & 7) <> 0`
		],
		[
			'scripts',
			`insert into script (script_number, paper_version_id, attempt_id, kind)
			 select 'S-' || substr(lpad(n::text, 8, '0'), 1, 4) || '-' || substr(lpad(n::text, 8, '0'), 5, 4), '${pv.id}', id, 'live'
			 from (select a.id, row_number() over (order by a.id) as n from attempt a join sitting s on s.id = a.sitting_id and s.room like 'Hall %') x`
		],
		[
			// Script n goes whole to marker n mod MARKERS; each marker's queue in script order.
			'allocations',
			`insert into allocation (script_id, item_key, marker_id, purpose, allocated_at)
			 select sc.id, i.item_key, (array['${markerIds.join("','")}']::uuid[])[1 + (sc.n % ${MARKERS})], 'first',
				now() - interval '1 day' + sc.n * interval '1 second'
			 from (select id, paper_version_id, row_number() over (order by script_number) as n from script where script_number like 'S-0%') sc
			 join paper_item i on i.paper_version_id = sc.paper_version_id`
		],
		[
			'marks',
			`insert into mark (script_id, item_key, allocation_id, marker_id, authority, mark, award, created_at)
			 select a.script_id, a.item_key, a.id, a.marker_id, 'first', 1, '{"points":[0]}'::jsonb, a.allocated_at + interval '1 hour'
			 from (select a.*, row_number() over (partition by marker_id order by allocated_at, item_key) as k,
				count(*) over (partition by marker_id) as total from allocation a where purpose = 'first') a
			 where a.k <= a.total * ${DONE_SHARE}`
		],
		['completed', `update allocation a set completed_at = m.created_at from mark m where m.allocation_id = a.id`],
		['analyze', 'vacuum analyze']
	];
	const counts: Record<string, number> = {};
	for (const [name, sql] of steps) {
		const r = await exec(url, sql);
		counts[name] = r.rowCount ?? 0;
	}
	const seconds = (performance.now() - t0) / 1000;
	return { paperVersionId: pv.id, markerIds, counts, seconds };
}

interface Current {
	allocationId: string;
	scriptId: string;
	itemKey: string;
}

/** The marker's next item: oldest open allocation, with what the screen shows (answer, script number, an earlier mark). */
async function nextItem(db: Kysely<Database>, markerId: string): Promise<Current | null> {
	const next = await db
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.select(['a.id', 'a.script_id', 'a.item_key', 'sc.script_number', 'sc.attempt_id', 'sc.paper_version_id'])
		.where('a.marker_id', '=', markerId)
		.where('a.withdrawn_at', 'is', null)
		.where('a.completed_at', 'is', null)
		.orderBy('a.allocated_at')
		.orderBy('a.item_key')
		.limit(1)
		.executeTakeFirst();
	if (!next) return null;
	await db.selectFrom('response').select(['text']).where('attempt_id', '=', next.attempt_id).where('item_key', '=', next.item_key).executeTakeFirst();
	await db.selectFrom('mark').select(['mark', 'fk', 'comment', 'award']).where('allocation_id', '=', next.id).orderBy('id', 'desc').limit(1).executeTakeFirst();
	return { allocationId: next.id, scriptId: next.script_id, itemKey: next.item_key };
}

/** Records a mark on the current allocation (the recordMark model), then loads the next item. */
async function saveAndNext(db: Kysely<Database>, markerId: string, cur: Current): Promise<Current | null> {
	await db.transaction().execute(async (tx) => {
		const a = await tx
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
			.innerJoin('paper_item as i', (j) => j.onRef('i.paper_version_id', '=', 'sc.paper_version_id').onRef('i.item_key', '=', 'a.item_key'))
			.select(['a.id', 'a.purpose', 'a.completed_at', 'at.state', 'i.max_marks'])
			.where('a.id', '=', cur.allocationId)
			.where('a.marker_id', '=', markerId)
			.where('a.withdrawn_at', 'is', null)
			.forUpdate('a')
			.executeTakeFirst();
		if (!a || a.state !== 'submitted') throw new Error('allocation gone');
		const award = Math.min(1, a.max_marks);
		await tx
			.insertInto('mark')
			.values({
				script_id: cur.scriptId,
				item_key: cur.itemKey,
				allocation_id: a.id,
				marker_id: markerId,
				authority: 'first',
				mark: award,
				award: JSON.stringify({ points: [0] }),
				comment: null
			})
			.execute();
		await tx.updateTable('allocation').set({ completed_at: new Date() }).where('id', '=', a.id).where('completed_at', 'is', null).execute();
		await tx
			.selectFrom('allocation')
			.select((eb) => eb.fn.countAll().as('open'))
			.where('script_id', '=', cur.scriptId)
			.where('marker_id', '=', markerId)
			.where('purpose', '=', 'first')
			.where('withdrawn_at', 'is', null)
			.where('completed_at', 'is', null)
			.executeTakeFirstOrThrow();
	});
	return nextItem(db, markerId);
}

/** Each of `markers` works through their own queue as fast as the database answers, for `seconds`. */
async function markersFlatOut(db: Kysely<Database>, markerIds: string[], seconds: number) {
	const latencies: number[] = [];
	let errors = 0;
	let firstError = '';
	const end = performance.now() + seconds * 1000;
	const t0 = performance.now();
	await Promise.all(
		markerIds.map(async (m) => {
			let cur = await nextItem(db, m);
			while (cur && performance.now() < end) {
				const t = performance.now();
				try {
					cur = await saveAndNext(db, m, cur);
					latencies.push(performance.now() - t);
				} catch (e) {
					errors++;
					firstError ||= String(e instanceof Error ? e.message : e);
					cur = await nextItem(db, m);
				}
			}
		})
	);
	const elapsed = (performance.now() - t0) / 1000;
	return { latencies: latencies.sort((a, b) => a - b), errors, firstError, perSecond: latencies.length / elapsed };
}

/**
 * The same statements as saveAndNext, for pgbench (-M prepared): one transaction of the script is
 * one save-and-next. Client c is marker first + c (so no two clients share a queue, as no two markers
 * do); the marker's uuid comes from a look-up in pgb_marker (one index probe counted against
 * pgbench). It starts with the next-item query (whose result the app's loop carries over from the
 * previous save-and-next), so the statements per transaction are the same as the app's.
 */
function saveAndNextScript(): string {
	return `\\set m 1 + (:first - 1 + :client_id) % ${MARKERS}
select id as mid from pgb_marker where n = :m \\gset
select a.id as aid, a.script_id as sid, a.item_key as ik, sc.script_number as sn, sc.attempt_id as atid, sc.paper_version_id as pvid
	from allocation a join script sc on sc.id = a.script_id
	where a.marker_id = :mid and a.withdrawn_at is null and a.completed_at is null
	order by a.allocated_at, a.item_key limit 1 \\gset
select text from response where attempt_id = :atid and item_key = :ik;
select mark, fk, comment, award from mark where allocation_id = :aid order by id desc limit 1;
begin;
select a.id, a.purpose, a.completed_at, at.state, i.max_marks from allocation a
	join script sc on sc.id = a.script_id join attempt at on at.id = sc.attempt_id
	join paper_item i on i.paper_version_id = sc.paper_version_id and i.item_key = a.item_key
	where a.id = :aid and a.marker_id = :mid and a.withdrawn_at is null for update of a;
insert into mark (script_id, item_key, allocation_id, marker_id, authority, mark, award, comment)
	values (:sid, :ik, :aid, :mid, 'first', 1, '{"points":[0]}', null);
update allocation set completed_at = now() where id = :aid and completed_at is null;
select count(*) as open from allocation where script_id = :sid and marker_id = :mid and purpose = 'first' and withdrawn_at is null and completed_at is null;
commit;
`;
}

/** pgbench -l per-transaction log → latency percentiles (ms); pgbench prints only the average. */
function pgbenchPercentiles(url: string, file: string, clients: number, firstMarker: number) {
	const dir = 'tests/load/out/pgbench-log';
	mkdirSync(dir, { recursive: true });
	for (const f of readdirSync(dir)) rmSync(`${dir}/${f}`);
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
		String(Math.min(clients, 2))
	];
	args.push('-T', String(SECONDS), '-M', 'prepared', '-D', `first=${firstMarker}`, '-l', '--log-prefix', `${dir}/tx`, '-f', file, u.pathname.slice(1));
	const r = spawnSync('pgbench', args, { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}\n${r.stdout}`);
	// Each line: client_id transaction_no time_us script_no time_epoch time_us_fraction
	const lat = readdirSync(dir)
		.flatMap((f) => readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n'))
		.filter(Boolean)
		.map((l) => Number(l.split(' ')[2]) / 1000)
		.sort((a, b) => a - b);
	const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
	const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0);
	return { clients, tps, n: lat.length, failed, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) };
}

async function main() {
	console.log(
		`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average now ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	await exec(ADMIN_URL, `drop database if exists ${DB} with (force)`);
	await exec(ADMIN_URL, `create database ${DB}`);
	const url = databaseUrlFor(ADMIN_URL, DB);
	// Prepared exactly as npm start prepares a database: migrations, the bank, the demo.
	const prep = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'prepare'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: url } });
	if (prep.status !== 0) throw new Error(`prepare failed: ${prep.stderr}${prep.stdout}`);
	const h = openPostgres(url, APP_POOL);
	try {
		const s = await seed(url, h.db);
		console.log(
			`Seeded in ${s.seconds.toFixed(1)} s: ${s.counts.attempts} submitted attempts, ${s.counts.responses} answers, ${s.counts.scripts} scripts of ${PAPER}, ${s.counts.allocations} allocations to ${MARKERS} markers, ${s.counts.marks} already marked (${DONE_SHARE * 100}% of each queue).`
		);
		const total = Number(
			(
				await h.db
					.selectFrom('script')
					.select((eb) => eb.fn.countAll().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
		console.log(`Scripts in the database: ${total} (with the demo's).`);
		const results: Record<string, unknown> = { date: new Date().toISOString(), machine: { cores: cpus().length, node: process.version }, seed: s };

		// Warm-up: each marker's first item, so connections and prepared statements exist.
		await markersFlatOut(h.db, s.markerIds, 1);

		// 1. One marker alone.
		let a = cpuSnap();
		const one = await markersFlatOut(h.db, [s.markerIds[0]!], SECONDS);
		let cpu = cpuLine(a, cpuSnap());
		console.log(
			`Save and next, 1 marker (in-process, app's db layer): ${one.perSecond.toFixed(0)}/s, p50 ${ms(pct(one.latencies, 50))}, p95 ${ms(pct(one.latencies, 95))}, p99 ${ms(pct(one.latencies, 99))}, n ${one.latencies.length}, errors ${one.errors}${one.firstError ? ` (${one.firstError})` : ''}.`
		);
		console.log(cpu.line);
		results.oneMarker = { ...summary(one), cpu: cpu.c };

		// 2. Every marker at once, flat out (far beyond people reading answers; the worst case).
		a = cpuSnap();
		const all = await markersFlatOut(h.db, s.markerIds, SECONDS);
		cpu = cpuLine(a, cpuSnap());
		console.log(
			`Save and next, ${MARKERS} markers flat out: ${all.perSecond.toFixed(0)}/s, p50 ${ms(pct(all.latencies, 50))}, p95 ${ms(pct(all.latencies, 95))}, p99 ${ms(pct(all.latencies, 99))}, n ${all.latencies.length}, errors ${all.errors}${all.firstError ? ` (${all.firstError})` : ''}.`
		);
		console.log(cpu.line);
		results.allMarkers = { ...summary(all), cpu: cpu.c };

		// 3. pgbench, the same statements, same tables, same run.
		await exec(url, 'create table pgb_marker (n int primary key, id uuid not null)');
		await exec(url, `insert into pgb_marker values ${s.markerIds.map((id, i) => `(${i + 1}, '${id}')`).join(', ')}`);
		mkdirSync('tests/load/out', { recursive: true });
		const file = 'tests/load/out/save-and-next.sql';
		writeFileSync(file, saveAndNextScript());
		// One client on the last marker (whose queue, like every marker's but the first, has been
		// worked only by the all-markers phase); then one client per marker.
		for (const [clients, first] of [
			[1, MARKERS],
			[Math.min(MARKERS, APP_POOL), 1]
		] as const) {
			a = cpuSnap();
			const r = pgbenchPercentiles(url, file, clients, first);
			cpu = cpuLine(a, cpuSnap());
			console.log(
				`pgbench, the same statements (-M prepared), ${clients} client${clients > 1 ? 's' : ''}: ${r.tps.toFixed(0)} tps, p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, p99 ${ms(r.p99)}, n ${r.n}, failed ${r.failed}.`
			);
			console.log(cpu.line);
			results[`pgbench${clients}`] = { ...r, cpu: cpu.c };
		}
		// 4. The next-item query's plan: the queue index (marker, allocated_at) keeps completed
		// allocations, so finding a marker's next open item walks past everything they have marked.
		// Its execution time as the migrations leave it, and with a partial index of open allocations
		// (not in the migrations: a suggestion, dropped again here).
		const nextSql = `select a.id from allocation a join script sc on sc.id = a.script_id
			where a.marker_id = '${s.markerIds[0]}' and a.withdrawn_at is null and a.completed_at is null
			order by a.allocated_at, a.item_key limit 1`;
		const planTime = async () => {
			const times: number[] = [];
			for (let i = 0; i < 20; i++) {
				const r = await exec(url, `explain (analyze, format json) ${nextSql}`);
				times.push((r.rows[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]!['Execution Time']);
			}
			return times.sort((x, y) => x - y)[10]!;
		};
		const doneByFirst = Number(
			(
				await h.db
					.selectFrom('allocation')
					.select((eb) => eb.fn.countAll().as('n'))
					.where('marker_id', '=', s.markerIds[0]!)
					.where('completed_at', 'is not', null)
					.executeTakeFirstOrThrow()
			).n
		);
		const asIs = await planTime();
		await exec(url, 'create index bench_open_queue_idx on allocation (marker_id, allocated_at) where withdrawn_at is null and completed_at is null');
		await exec(url, 'analyze allocation');
		const withIndex = await planTime();
		await exec(url, 'drop index bench_open_queue_idx');
		console.log(
			`Next-item query for a marker with ${doneByFirst} items marked (median of 20, EXPLAIN ANALYZE): ${ms(asIs)} with the migrations' queue index, ${ms(withIndex)} with a partial index of open allocations.`
		);
		results.nextItemQuery = { markedByMarker: doneByFirst, asIsMs: asIs, withOpenIndexMs: withIndex };

		const marked = Number(
			(
				await h.db
					.selectFrom('mark')
					.select((eb) => eb.fn.countAll().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
		console.log(`Marks in the database at the end: ${marked}.`);
		writeFileSync('tests/load/out/marking.json', JSON.stringify(results, null, 2));
	} finally {
		await h.close();
	}
}

function summary(r: Awaited<ReturnType<typeof markersFlatOut>>) {
	return { perSecond: r.perSecond, n: r.latencies.length, p50: pct(r.latencies, 50), p95: pct(r.latencies, 95), p99: pct(r.latencies, 99), errors: r.errors };
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
