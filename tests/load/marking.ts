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
 *   2. "Save and next" as the marking screen does it, over HTTP against the built app started as
 *      `npm start` starts it, signed in as each marker (form sign-in, real cookie): POST the mark to
 *      /mark/scripts/{id}/marks (recordMark: judged by the grid, appended, the script completed at
 *      its last item), then the page data the screen loads next: the script's next item, or after
 *      the last item the queue page. One marker alone, then all 10 flat out at once (the app's pool
 *      size); p50/p95/p99 per save-and-next. The queue's Continue (the next script and its page) is
 *      timed apart: a second key press, not part of "save and next".
 *   3. The same with the services called in this process (no HTTP, session or page): what the
 *      routes add.
 *   4. pgbench with the same statements (-M prepared), 1 client and 10 clients, in the same run.
 *   5. nextScript alone, as a marker's marked work grows (it reads every allocation they hold),
 *      beside a one-row query on a partial index.
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres as admin).
 * Knobs: BENCH_SCRIPTS (10000), BENCH_MARKERS (10), BENCH_SECONDS (15). Writes tests/load/out/marking.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { Agent, request, setGlobalDispatcher } from 'undici';

import { buildIfNeeded } from '../../src/cli/build-if-needed.js';
import { gridView } from '../../src/lib/domain/grid.js';
import { paperItems } from '../../src/lib/domain/paper.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { getPaperContent, listPapers } from '../../src/lib/server/bank/papers.js';
import { openPostgres } from '../../src/lib/server/db/index.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { recordMark } from '../../src/lib/server/marking/marks.js';
import { markerQueue, nextScript } from '../../src/lib/server/marking/queue.js';
import { scriptForMarker, type MarkingScript } from '../../src/lib/server/marking/script-view.js';
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
const PORT = Number(process.env.BENCH_PORT ?? 3998);
const BENCH_PASSWORD = 'bench password 123';

setGlobalDispatcher(
	new Agent({
		connections: 64,
		pipelining: 1,
		keepAliveTimeout: 30_000,
		headersTimeout: 60_000,
		bodyTimeout: 60_000
	})
);

const pct = (sorted: number[], p: number) =>
	sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

let serverPid = 0;

/** CPU split between two snapshots, % of one core: the app server, this process, PostgreSQL, other, idle. */
function cpuSnap() {
	const f = readFileSync('/proc/stat', 'utf8')
		.split('\n')[0]!
		.trim()
		.split(/\s+/)
		.slice(1, 9)
		.map(Number);
	let postgres = 0;
	let self = 0;
	let app = 0;
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
			else if (serverPid && (Number(d) === serverPid || r[1] === serverPid))
				app += r[11]! + r[12]! + r[13]! + r[14]!;
		} catch {
			/* gone meanwhile */
		}
	}
	return { total: f.reduce((a, b) => a + b, 0), idle: f[3]! + f[4]!, postgres, self, app };
}
type Snap = ReturnType<typeof cpuSnap>;
function cpuLine(a: Snap, b: Snap) {
	const n = cpus().length;
	const t = (b.total - a.total) / n;
	const share = (x: number) => Math.round((100 * x) / t);
	const self = share(b.self - a.self);
	const app = share(b.app - a.app);
	const postgres = share(b.postgres - a.postgres);
	const idle = share(b.idle - a.idle);
	const other = Math.max(0, 100 * n - self - app - postgres - idle);
	const c = { bench: self, app, postgres, other, idle, load1: Number(loadavg()[0]!.toFixed(2)) };
	return {
		c,
		line: `  CPU (% of one core, ${n} cores): app server ${c.app}, this process (load generator, in-process app code, pgbench) ${c.bench}, PostgreSQL ${c.postgres}, other ${c.other}, idle ${c.idle}; load average ${c.load1}`
	};
}

/** The built app, started as npm start starts it, on the bench database. */
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
		.select(['v.id', 'v.paper_id', 'v.reading_minutes', 'v.duration_minutes'])
		.where('p.code', '=', PAPER)
		.executeTakeFirstOrThrow();
	const markerIds: string[] = [];
	for (let m = 1; m <= MARKERS; m++) {
		const u = await createStaffAccount(db, SYSTEM_ACTOR, {
			email: `bench.marker.${m}@example.test`,
			display_name: `Bench Marker ${m}`,
			password: BENCH_PASSWORD,
			role: 'marker'
		});
		markerIds.push(u.id);
	}
	const perCentre = 1000;
	const centres = Math.ceil(SCRIPTS / perCentre);
	const perSitting = 200;
	const t0 = performance.now();
	const steps: [string, string][] = [
		[
			'centres',
			`insert into centre (number, name) select (910000 + g)::text, 'Bench Centre ' || g from generate_series(1, ${centres}) g`
		],
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
			 from attempt a join sitting s on s.id = a.sitting_id and s.room like 'Hall %' and s.centre_id in (select id from centre where number like '9100%')
			 join paper_item i on i.paper_version_id = s.paper_version_id
			 where (hashtext(a.id::text || i.item_key) & 7) <> 0`
		],
		[
			'scripts',
			`insert into script (script_number, paper_version_id, attempt_id, kind)
			 select 'S-' || substr(lpad(n::text, 8, '0'), 1, 4) || '-' || substr(lpad(n::text, 8, '0'), 5, 4), '${pv.id}', id, 'live'
			 from (select a.id, row_number() over (order by a.id) as n from attempt a join sitting s on s.id = a.sitting_id and s.room like 'Hall %' and s.centre_id in (select id from centre where number like '9100%')) x`
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
			 select a.script_id, a.item_key, a.id, a.marker_id, 'first', 1, '{"kind":"mark","mark":1}'::jsonb, a.allocated_at + interval '1 hour'
			 from (select a.*, row_number() over (partition by marker_id order by allocated_at, item_key) as k,
				count(*) over (partition by marker_id) as total from allocation a
				where purpose = 'first' and marker_id = any (array['${markerIds.join("','")}']::uuid[])) a
			 where a.k <= a.total * ${DONE_SHARE}`
		],
		[
			'completed',
			`update allocation a set completed_at = m.created_at from mark m where m.allocation_id = a.id`
		],
		[
			// The bench markers are through standardisation on the paper (live marking opens only then).
			'qualified',
			`insert into marker_standing (marker_id, paper_id, standing, reason, created_at)
			 select m, '${pv.paper_id}', 'live', 'qualified (bench)', now() from unnest(array['${markerIds.join("','")}']::uuid[]) m`
		],
		['analyze', 'vacuum analyze']
	];
	const counts: Record<string, number> = {};
	for (const [name, sql] of steps) {
		const r = await exec(url, sql);
		counts[name] = r.rowCount ?? 0;
	}
	const seconds = (performance.now() - t0) / 1000;
	return { paperVersionId: pv.id, paperId: pv.paper_id, markerIds, counts, seconds };
}

/** The award a marker gives each item: the grid's first point ticked for 1 mark (as the screen posts it). */
let awards = new Map<string, unknown>();
async function loadAwards(db: Kysely<Database>, paperVersionId: string) {
	const items = paperItems(await getPaperContent(db, paperVersionId));
	awards = new Map(
		items.map((i) => {
			const view = gridView(i.grid, i.marks);
			return [
				i.key,
				view.mode === 'points'
					? { kind: 'points', awarded: { [view.points[0]!.id]: 1 } }
					: { kind: 'mark', mark: 1 }
			];
		})
	);
}

/**
 * One marker at the marking screen, driven either in-process (the services the routes call) or over
 * HTTP (the routes themselves). `saveAndNext` is the "Save and next" key: the mark is saved, then
 * the screen's next data loads, the script's next unmarked item, or after its last item the next
 * script of the paper (the queue's `next` action) and its page. `continue` is the queue's Continue:
 * the next script and its page.
 */
interface MarkerDriver {
	continue(): Promise<boolean>;
	/**
	 * `took`: the save and the next screen, without the bench's own bookkeeping. `after`: what is on
	 * screen now: the same script's next item, the next script, or the queue (nothing left).
	 */
	saveAndNext(): Promise<{ took: number; after: 'item' | 'script' | 'queue' }>;
}

function inProcessMarker(db: Kysely<Database>, markerId: string, paperId: string): MarkerDriver {
	let cur: MarkingScript | null = null;
	return {
		async continue() {
			const next = await nextScript(db, { markerId, paperId });
			cur = next.scriptId ? await scriptForMarker(db, markerId, next.scriptId) : null;
			return cur !== null;
		},
		async saveAndNext() {
			const t = performance.now();
			const item = cur!.items.find((i) => !i.own);
			if (!item) throw new Error('no unmarked item on the script');
			const saved = await recordMark(db, {
				markerId,
				allocationId: item.allocationId,
				scriptId: cur!.scriptId,
				award: awards.get(item.key),
				fk: false,
				comment: ''
			});
			if (saved.scriptComplete) {
				// The queue's `next` action, then the next script's page (or the queue page when none is left).
				const next = await nextScript(db, { markerId, paperId });
				if (!next.scriptId) {
					await markerQueue(db, markerId);
					await listPapers(db);
					cur = null;
					return { took: performance.now() - t, after: 'queue' };
				}
				cur = await scriptForMarker(db, markerId, next.scriptId);
				return { took: performance.now() - t, after: 'script' };
			}
			cur = await scriptForMarker(db, markerId, cur!.scriptId);
			return { took: performance.now() - t, after: 'item' };
		}
	};
}

const base = `http://127.0.0.1:${PORT}`;

/** A marker signed in over HTTP (form post, real session cookie). */
async function signIn(email: string): Promise<string> {
	const res = await request(`${base}/signin`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: base,
			accept: 'text/html'
		},
		body: new URLSearchParams({ email, password: BENCH_PASSWORD }).toString()
	});
	const body = await res.body.text();
	const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
	if (res.statusCode !== 303 || !cookie)
		throw new Error(`sign-in ${email}: ${res.statusCode} ${body.slice(0, 300)}`);
	return cookie;
}

async function get(path: string, cookie: string, mustContain?: string): Promise<string> {
	const res = await request(`${base}${path}`, { headers: { cookie } });
	const body = await res.body.text();
	if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
	if (mustContain && !body.includes(mustContain))
		throw new Error(`GET ${path}: without ${mustContain}`);
	return body;
}

/**
 * The marking screen as its page script drives it: POST /mark/scripts/{id}/marks (JSON) saves the
 * mark, then goto() loads the next item's page data (__data.json, every server load of the route:
 * no x-sveltekit-invalidated, so the layouts run too) or, after the last item, the queue page's.
 * Continue posts the queue's `next` action (303 to the script) and loads that page's data. Which
 * allocation is next is read from the database (bookkeeping, not timed as part of a save); each
 * page's data must carry it.
 */
function httpMarker(
	db: Kysely<Database>,
	cookie: string,
	markerId: string,
	paperId: string
): MarkerDriver {
	let cur: {
		scriptId: string;
		scriptNumber: string;
		items: { key: string; allocationId: string }[];
		at: number;
	} | null = null;
	/** The marker's unmarked items on a script, in paper order (bookkeeping: read from the database, not timed). */
	const openItems = async (scriptId: string) => {
		const items = await db
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.innerJoin('paper_item as i', (j) =>
				j
					.onRef('i.paper_version_id', '=', 'sc.paper_version_id')
					.onRef('i.item_key', '=', 'a.item_key')
			)
			.select(['a.item_key as key', 'a.id as allocationId', 'sc.script_number'])
			.where('a.script_id', '=', scriptId)
			.where('a.marker_id', '=', markerId)
			.where('a.withdrawn_at', 'is', null)
			.where((eb) =>
				eb.not(
					eb.exists(
						eb.selectFrom('mark as m').select('m.id').whereRef('m.allocation_id', '=', 'a.id')
					)
				)
			)
			.orderBy('i.position')
			.execute();
		if (!items.length) throw new Error(`script ${scriptId} has nothing left to mark`);
		return { scriptId, scriptNumber: items[0]!.script_number, items, at: 0 };
	};
	/** The queue's `next` action as a form post (`marked`: as the screen sends it after a script's last item). */
	const postNext = async (fields: Record<string, string>, asScreen: boolean) => {
		const res = await request(`${base}/mark?/next`, {
			method: 'POST',
			headers: asScreen
				? {
						cookie,
						'content-type': 'application/x-www-form-urlencoded',
						origin: base,
						'x-sveltekit-action': 'true'
					}
				: {
						cookie,
						'content-type': 'application/x-www-form-urlencoded',
						origin: base,
						accept: 'text/html'
					},
			body: new URLSearchParams({ paper_id: paperId, ...fields }).toString()
		});
		const body = await res.body.text();
		if (asScreen) {
			// The page's deserialize(): {"type":"redirect","location":…} or {"type":"success",…}.
			const result = JSON.parse(body) as { type: string; location?: string };
			return result.type === 'redirect' ? (result.location ?? null) : null;
		}
		if (res.statusCode === 303) return String(res.headers.location);
		if (res.statusCode === 200) return null;
		throw new Error(`POST /mark?/next: ${res.statusCode}`);
	};
	const scriptOf = (location: string) =>
		/\/mark\/scripts\/([0-9a-f-]{36})/.exec(location)?.[1] ?? null;
	return {
		async continue() {
			const location = await postNext({}, false);
			const scriptId = location && scriptOf(location);
			if (!scriptId) {
				cur = null;
				return false;
			}
			cur = await openItems(scriptId);
			await get(`/mark/scripts/${scriptId}/__data.json`, cookie, cur.items[0]!.allocationId);
			return true;
		},
		async saveAndNext() {
			const c = cur!;
			const item = c.items[c.at]!;
			const t = performance.now();
			const res = await request(`${base}/mark/scripts/${c.scriptId}/marks`, {
				method: 'POST',
				headers: { cookie, 'content-type': 'application/json' },
				body: JSON.stringify({
					allocationId: item.allocationId,
					award: awards.get(item.key),
					fk: false,
					comment: ''
				})
			});
			const saved = (await res.body.json()) as { scriptComplete?: boolean; error?: string };
			if (res.statusCode !== 200)
				throw new Error(`POST marks: ${res.statusCode} ${saved.error ?? ''}`);
			c.at++;
			if (!saved.scriptComplete) {
				const next = c.items[c.at]!;
				await get(
					`/mark/scripts/${c.scriptId}/__data.json?item=${encodeURIComponent(next.key)}`,
					cookie,
					next.allocationId
				);
				return { took: performance.now() - t, after: 'item' };
			}
			const location = await postNext({ marked: c.scriptNumber }, true);
			const nextId = location && scriptOf(location);
			if (!nextId) {
				await get(`/mark/__data.json?marked=${c.scriptNumber}`, cookie, c.scriptNumber);
				cur = null;
				return { took: performance.now() - t, after: 'queue' };
			}
			const posted = performance.now() - t;
			cur = await openItems(nextId);
			const t2 = performance.now();
			await get(
				`/mark/scripts/${nextId}/__data.json?marked=${c.scriptNumber}`,
				cookie,
				cur.items[0]!.allocationId
			);
			return { took: posted + (performance.now() - t2), after: 'script' };
		}
	};
}

/** Each driver (one marker) works through their queue as fast as answers come back, for `seconds`. */
async function markersFlatOut(drivers: MarkerDriver[], seconds: number) {
	const latencies: number[] = [];
	const continues: number[] = [];
	/** Split of `latencies`: a next item of the same script, or the next script after a script's last item. */
	const withinScript: number[] = [];
	const lastItem: number[] = [];
	let errors = 0;
	let firstError = '';
	const end = performance.now() + seconds * 1000;
	const t0 = performance.now();
	await Promise.all(
		drivers.map(async (d) => {
			let open = false;
			while (performance.now() < end) {
				const t = performance.now();
				try {
					if (!open) {
						if (!(await d.continue())) return;
						continues.push(performance.now() - t);
						open = true;
						continue;
					}
					const { took, after } = await d.saveAndNext();
					open = after !== 'queue';
					latencies.push(took);
					(after === 'item' ? withinScript : lastItem).push(took);
				} catch (e) {
					errors++;
					firstError ||= String(e instanceof Error ? e.message : e);
					open = false;
				}
			}
		})
	);
	const elapsed = (performance.now() - t0) / 1000;
	return {
		latencies: latencies.sort((x, y) => x - y),
		continues: continues.sort((x, y) => x - y),
		withinScript: withinScript.sort((x, y) => x - y),
		lastItem: lastItem.sort((x, y) => x - y),
		errors,
		firstError,
		perSecond: latencies.length / elapsed
	};
}

/**
 * The queue pgbench works through: each marker's unmarked items in the order the screen takes them
 * (script by script, paper order), numbered k = 1, 2, … per marker, with whether the item is the
 * last unmarked one of its script and the script after it. Made just before each pgbench run.
 */
async function makePgbenchQueue(url: string, markerIds: string[]) {
	await exec(url, 'drop table if exists pgb_queue');
	await exec(
		url,
		`create table pgb_queue as
		 select m.n as m, row_number() over (partition by a.marker_id order by a.allocated_at, sc.script_number, i.position)::int as k,
			a.id as aid, a.script_id as sid, a.item_key as ik, a.marker_id as mid,
			(i.position = max(i.position) over (partition by a.script_id, a.marker_id))::int as last
		 from allocation a join script sc on sc.id = a.script_id
		 join paper_item i on i.paper_version_id = sc.paper_version_id and i.item_key = a.item_key
		 join (select * from unnest(array['${markerIds.join("','")}']::uuid[]) with ordinality as x(id, n)) m on m.id = a.marker_id
		 where a.purpose = 'first' and a.withdrawn_at is null and a.completed_at is null
			and not exists (select 1 from mark k where k.allocation_id = a.id)`
	);
	// The script whose view follows a script's last item: the next row's.
	await exec(url, 'alter table pgb_queue add column next_sid uuid');
	await exec(
		url,
		'update pgb_queue q set next_sid = n.sid from pgb_queue n where n.m = q.m and n.k = q.k + 1'
	);
	await exec(url, 'alter table pgb_queue add primary key (m, k)');
	await exec(url, 'analyze pgb_queue');
}

/** A statement as the app sent it: Kysely's compiled SQL and its parameters. */
interface SentStatement {
	sql: string;
	parameters: readonly unknown[];
}

/** Every statement `work` sends (BEGIN and COMMIT included), on one connection with Kysely's query log. */
async function statementsOf(
	url: string,
	work: (db: Kysely<Database>) => Promise<void>
): Promise<SentStatement[]> {
	const sent: SentStatement[] = [];
	const h = openPostgres(url, 1, true, (e) => {
		if (e.level === 'query') sent.push({ sql: e.query.sql, parameters: e.query.parameters });
	});
	try {
		await work(h.db);
	} finally {
		await h.close();
	}
	return sent;
}

/**
 * A captured statement as pgbench script text: parameters whose values are the captured work's ids
 * become pgbench variables (sent as parameters under -M prepared, as the app sends them), a time
 * becomes now(), and any other value (the paper, an award, a flag) a literal.
 */
function asPgbench(st: SentStatement, vars: Map<string, string>): string {
	const literal = (v: unknown): string => {
		if (v === null || v === undefined) return 'null';
		if (v instanceof Date) return 'now()';
		if (typeof v === 'number' || typeof v === 'boolean') return String(v);
		const text = typeof v === 'string' ? v : JSON.stringify(v);
		return vars.get(text) ?? `'${text.replace(/'/g, "''")}'`;
	};
	// Highest placeholder first, so that $1 never eats the start of $10.
	let text = st.sql;
	for (let n = st.parameters.length; n >= 1; n--)
		text = text.replaceAll(`$${n}`, literal(st.parameters[n - 1]));
	return `${text.replace(/\s+/g, ' ').trim()};`;
}

/**
 * pgbench's script for "save and next", made from the statements the app itself sends, captured
 * with Kysely's query log in this run (so it cannot drift from the code): on one marker's queue, a
 * save on an item that is not the script's last (recordMark, then the same script's page,
 * scriptForMarker), and a save on the script's last item (recordMark with its completion and
 * quality-control step, then the next script, nextScript, and its page). Each pgbench transaction
 * is one save-and-next: client c is marker first + c (no two clients share a queue, as no two
 * markers do) and takes the k-th item of that marker's queue (pgb_queue: one primary-key probe the
 * app does not make, counted against pgbench), running the last-item statements when it is its
 * script's last. The grid judgement and building the view are JavaScript, not SQL: the app's own cost.
 */
async function saveAndNextScript(
	url: string,
	db: Kysely<Database>,
	markerId: string,
	paperId: string
): Promise<string> {
	const first = await nextScript(db, { markerId, paperId });
	if (!first.scriptId) throw new Error('the capture marker has no script to mark');
	const script = await scriptForMarker(db, markerId, first.scriptId);
	const open = script.items.filter((i) => !i.own);
	if (open.length < 3) throw new Error('the capture script has fewer than 3 unmarked items');
	const save = (d: Kysely<Database>, item: (typeof open)[number]) =>
		recordMark(d, {
			markerId,
			allocationId: item.allocationId,
			scriptId: script.scriptId,
			award: awards.get(item.key),
			fk: false,
			comment: ''
		});
	const mid = open[0]!;
	const within = await statementsOf(url, async (d) => {
		await save(d, mid);
		await scriptForMarker(d, markerId, script.scriptId);
	});
	for (const item of open.slice(1, -1)) await save(db, item);
	const last = open.at(-1)!;
	let nextId = '';
	const after = await statementsOf(url, async (d) => {
		const saved = await save(d, last);
		if (!saved.scriptComplete)
			throw new Error('the capture script is not complete after its last item');
		const next = await nextScript(d, { markerId, paperId });
		if (!next.scriptId) throw new Error('the capture marker has no next script');
		nextId = next.scriptId;
		await scriptForMarker(d, markerId, next.scriptId);
	});
	const vars = (item: typeof mid) =>
		new Map([
			[item.allocationId, ':aid'],
			[script.scriptId, ':sid'],
			[markerId, ':mid'],
			[item.key, ':ik'],
			[nextId, ':next_sid']
		]);
	const lines = (sts: SentStatement[], item: typeof mid) =>
		sts.map((st) => asPgbench(st, vars(item))).join('\n');
	return `\\set m 1 + (:first - 1 + :client_id) % ${MARKERS}
\\set k :k + 1
select aid, sid, ik, mid, last, next_sid from pgb_queue where m = :m and k = :k \\gset
\\if :last
${lines(after, last)}
\\else
${lines(within, mid)}
\\endif
`;
}

/** pgbench -l per-transaction log → latency percentiles (ms); pgbench prints only the average. */
function pgbenchPercentiles(
	url: string,
	file: string,
	clients: number,
	firstMarker: number,
	paperId: string
) {
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
	args.push(
		'-T',
		String(SECONDS),
		'-M',
		'prepared',
		'-D',
		`first=${firstMarker}`,
		'-D',
		'k=0',
		'-D',
		`pid=${paperId}`,
		'-l',
		'--log-prefix',
		`${dir}/tx`,
		'-f',
		file,
		u.pathname.slice(1)
	);
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
	return {
		clients,
		tps,
		n: lat.length,
		failed,
		p50: pct(lat, 50),
		p95: pct(lat, 95),
		p99: pct(lat, 99)
	};
}

async function main() {
	console.log(
		`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average now ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	buildIfNeeded(console.log);
	await exec(ADMIN_URL, `drop database if exists ${DB} with (force)`);
	await exec(ADMIN_URL, `create database ${DB}`);
	const url = databaseUrlFor(ADMIN_URL, DB);
	// Prepared exactly as npm start prepares a database: migrations, the bank, the demo.
	const prep = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'prepare'], {
		encoding: 'utf8',
		env: { ...process.env, DATABASE_URL: url }
	});
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
		const results: Record<string, unknown> = {
			date: new Date().toISOString(),
			machine: { cores: cpus().length, node: process.version },
			seed: s
		};

		await loadAwards(h.db, s.paperVersionId);
		const report = (
			label: string,
			r: Awaited<ReturnType<typeof markersFlatOut>>,
			cpu: ReturnType<typeof cpuLine>,
			key: string
		) => {
			console.log(
				`${label}: ${r.perSecond.toFixed(0)}/s, p50 ${ms(pct(r.latencies, 50))}, p95 ${ms(pct(r.latencies, 95))}, p99 ${ms(pct(r.latencies, 99))}, n ${r.latencies.length}, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}.\n  of which: next item of the script n ${r.withinScript.length}, p50 ${ms(pct(r.withinScript, 50))}, p95 ${ms(pct(r.withinScript, 95))}; after a script's last item (queue page) n ${r.lastItem.length}, p50 ${ms(pct(r.lastItem, 50))}, max ${ms(r.lastItem.at(-1) ?? NaN)}; Continue (next script + its page, apart) n ${r.continues.length}, p50 ${ms(pct(r.continues, 50))}, max ${ms(r.continues.at(-1) ?? NaN)}.`
			);
			console.log(cpu.line);
			results[key] = { ...summary(r), cpu: cpu.c };
		};
		const measure = async (label: string, key: string, drivers: MarkerDriver[]) => {
			const a = cpuSnap();
			const r = await markersFlatOut(drivers, SECONDS);
			report(label, r, cpuLine(a, cpuSnap()), key);
		};

		// 1. Over HTTP against the running app, signed in as markers: one marker, then all at once.
		// Marker i works on HTTP; the in-process phases and pgbench take the same markers' queues
		// further (each phase starts where the last stopped).
		const stop = await startServer(url);
		try {
			const cookies: string[] = [];
			for (let i = 0; i < MARKERS; i++)
				cookies.push(await signIn(`bench.marker.${i + 1}@example.test`));
			const http = (i: number) => httpMarker(h.db, cookies[i]!, s.markerIds[i]!, s.paperId);
			await markersFlatOut([http(MARKERS - 1)], 2); // warm-up: connections, prepared statements, JIT
			await measure('Save and next over HTTP, 1 marker', 'http1', [http(0)]);
			await measure(
				`Save and next over HTTP, ${MARKERS} markers flat out`,
				'httpAll',
				s.markerIds.map((_, i) => http(i))
			);
		} finally {
			stop();
			serverPid = 0;
		}

		// 2. The same services in this process (no HTTP, sessions or page rendering): what the routes add.
		const inproc = (i: number) => inProcessMarker(h.db, s.markerIds[i]!, s.paperId);
		await markersFlatOut([inproc(MARKERS - 1)], 1);
		await measure(
			'Save and next in-process (the services the routes call), 1 marker',
			'inProcess1',
			[inproc(0)]
		);
		await measure(
			`Save and next in-process, ${MARKERS} markers flat out`,
			'inProcessAll',
			s.markerIds.map((_, i) => inproc(i))
		);
		let a: ReturnType<typeof cpuSnap>;
		let cpu: ReturnType<typeof cpuLine>;

		// 3. pgbench, the same statements, same tables, same run.
		mkdirSync('tests/load/out', { recursive: true });
		const file = 'tests/load/out/save-and-next.sql';
		// Captured on the last marker's queue (the warm-up marker's), before pgbench's queue is made.
		writeFileSync(file, await saveAndNextScript(url, h.db, s.markerIds[MARKERS - 1]!, s.paperId));
		// One client on the last marker (whose queue, like every marker's but the first, has been
		// worked only by the all-markers phase); then one client per marker.
		for (const [clients, first] of [
			[1, MARKERS],
			[Math.min(MARKERS, APP_POOL), 1]
		] as const) {
			await makePgbenchQueue(url, s.markerIds);
			a = cpuSnap();
			const r = pgbenchPercentiles(url, file, clients, first, s.paperId);
			cpu = cpuLine(a, cpuSnap());
			console.log(
				`pgbench, the same statements (-M prepared), ${clients} client${clients > 1 ? 's' : ''}: ${r.tps.toFixed(0)} tps, p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, p99 ${ms(r.p99)}, n ${r.n}, failed ${r.failed}.`
			);
			console.log(cpu.line);
			results[`pgbench${clients}`] = { ...r, cpu: cpu.c };
		}
		// 4. nextScript alone (the screen calls it once a script is complete, and "Continue" calls
		// it): it reads every allocation the marker holds on the paper, marked or not, so it grows
		// with the marker's finished work. Median and worst of 20 calls for the first marker.
		const held = Number(
			(
				await h.db
					.selectFrom('allocation')
					.select((eb) => eb.fn.countAll().as('n'))
					.where('marker_id', '=', s.markerIds[0]!)
					.executeTakeFirstOrThrow()
			).n
		);
		const nextTimes: number[] = [];
		for (let i = 0; i < 20; i++) {
			const t = performance.now();
			await nextScript(h.db, { markerId: s.markerIds[0]!, paperId: s.paperId });
			nextTimes.push(performance.now() - t);
		}
		nextTimes.sort((x, y) => x - y);
		console.log(
			`nextScript alone, a marker holding ${held} allocations: median ${ms(pct(nextTimes, 50))}, worst of 20 ${ms(nextTimes.at(-1)!)}.`
		);
		// Beside it, in SQL (EXPLAIN ANALYZE, median of 10): nextScript's query as it is, and the same
		// question asked for one row (the oldest script with an unmarked item, skipping completed
		// allocations) with a partial index of open allocations, which the migrations do not have
		// (made here, then dropped): what a next-script query could cost.
		const heldSql = `select a.id, a.script_id, a.purpose, a.allocated_at, sc.script_number, p.id as paper_id, p.code, v.title,
			exists (select 1 from mark m where m.allocation_id = a.id) as marked
			from allocation a join script sc on sc.id = a.script_id join attempt at on at.id = sc.attempt_id
			join paper_version v on v.id = sc.paper_version_id join paper p on p.id = v.paper_id
			where a.marker_id = '${s.markerIds[0]}' and a.withdrawn_at is null and at.state = 'submitted' and p.id = '${s.paperId}'
			order by a.allocated_at, sc.script_number`;
		const oneSql = `select a.script_id from allocation a join script sc on sc.id = a.script_id join attempt at on at.id = sc.attempt_id
			join paper_version v on v.id = sc.paper_version_id
			where a.marker_id = '${s.markerIds[0]}' and a.withdrawn_at is null and a.completed_at is null and at.state = 'submitted'
				and v.paper_id = '${s.paperId}' and not exists (select 1 from mark m where m.allocation_id = a.id)
			order by a.allocated_at, sc.script_number limit 1`;
		const planMs = async (q: string) => {
			const times: number[] = [];
			for (let i = 0; i < 10; i++) {
				const r = await exec(url, `explain (analyze, format json) ${q}`);
				times.push(
					(r.rows[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]!['Execution Time']
				);
			}
			return pct(
				times.sort((x, y) => x - y),
				50
			);
		};
		const heldMs = await planMs(heldSql);
		await exec(
			url,
			'create index bench_open_queue_idx on allocation (marker_id, allocated_at) where withdrawn_at is null and completed_at is null'
		);
		await exec(url, 'analyze allocation');
		const oneMs = await planMs(oneSql);
		await exec(url, 'drop index bench_open_queue_idx');
		console.log(
			`  in SQL: nextScript's query (every allocation held) ${ms(heldMs)}; the oldest script with an unmarked item as one row, with a partial index of open allocations, ${ms(oneMs)}.`
		);
		results.nextScript = {
			heldAllocations: held,
			medianMs: pct(nextTimes, 50),
			maxMs: nextTimes.at(-1),
			sqlHeldWorkMs: heldMs,
			sqlOneRowWithIndexMs: oneMs
		};

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
	return {
		perSecond: r.perSecond,
		n: r.latencies.length,
		p50: pct(r.latencies, 50),
		p95: pct(r.latencies, 95),
		p99: pct(r.latencies, 99),
		errors: r.errors,
		firstError: r.firstError,
		continues: {
			n: r.continues.length,
			p50: pct(r.continues, 50),
			p95: pct(r.continues, 95),
			max: r.continues.at(-1) ?? null
		},
		withinScript: {
			n: r.withinScript.length,
			p50: pct(r.withinScript, 50),
			p95: pct(r.withinScript, 95),
			p99: pct(r.withinScript, 99)
		},
		lastItem: { n: r.lastItem.length, p50: pct(r.lastItem, 50), max: r.lastItem.at(-1) ?? null }
	};
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
