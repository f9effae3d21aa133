/**
 * The fault tests' tools (issue 14): the app started as a real process (as `npm start` starts it),
 * a private PostgreSQL cluster that may be restarted at will, seeding a started sitting, candidates
 * signing in over HTTP, and an autosave load whose client keeps its own log of every acknowledged
 * save and checks it against the database afterwards. Used by the quick fault tests in CI
 * (tests/e2e/faults.spec.ts) and by `npm run faults` (tests/faults/run.ts, 2,000 candidates).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';

import { bankImport } from '../../src/cli/bank.js';
import { isDatabaseEmpty, seedDemo } from '../../src/cli/demo/index.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { importCandidates } from '../../src/lib/server/centres/candidate-import.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { registerForPaper } from '../helpers/registration-fixture.js';

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createNetServer();
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
		s.on('error', reject);
	});
}

/** Resolves when `check` is true, polling every `everyMs`; rejects with `what` after `timeoutMs`. */
export async function waitFor(
	check: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 60_000,
	everyMs = 50
): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

// ---------------------------------------------------------------------------------------------
// The app as a process

export interface AppProcess {
	port: number;
	baseURL: string;
	child: ChildProcess;
	/** Everything the process printed so far. */
	output(): string;
	/** Resolves when the process has exited. */
	exited: Promise<number | null>;
	/** kill -9: no clean-up of any kind. */
	crash(): Promise<void>;
	/** SIGTERM, then wait for the exit. */
	stop(): Promise<void>;
}

export interface AppOptions {
	port?: number;
	/** PostgreSQL (the owner's URL, as an operator gives it); unset → embedded PGlite in dataDir. */
	databaseUrl?: string;
	dataDir?: string;
	env?: NodeJS.ProcessEnv;
}

/** Starts `npm start` (build if needed, prepare, serve) and resolves once it listens. */
export async function startApp(o: AppOptions): Promise<AppProcess> {
	const port = o.port ?? (await freePort());
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		LOG_LEVEL: 'warn',
		...o.env
	};
	delete env.DATABASE_URL;
	if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
	if (o.dataDir) env.DATA_DIR = o.dataDir;
	const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	let expected = false;
	const exited = new Promise<number | null>((r) =>
		child.once('exit', (code, signal) => {
			// A process that dies on its own is a finding: show why.
			if (!expected)
				console.error(
					`The app on port ${port} exited by itself (${code ?? signal}):\n${out.slice(-4000)}`
				);
			r(code);
		})
	);
	await Promise.race([
		waitFor(() => out.includes('Listening on'), `the app to listen on ${port}`, 180_000),
		exited.then((code) => {
			throw new Error(`The app exited (${code}) before listening:\n${out}`);
		})
	]);
	return {
		port,
		baseURL: `http://127.0.0.1:${port}`,
		child,
		output: () => out,
		exited,
		async crash() {
			expected = true;
			child.kill('SIGKILL');
			await exited;
		},
		async stop() {
			expected = true;
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await exited;
		}
	};
}

/**
 * What `npm run cli -- prepare` does (migrate, import the question bank, demo data when empty), in
 * this process: the app's own start then finds it done.
 */
export async function prepareDatabase(o: AppOptions): Promise<void> {
	const h = await openAppDatabase(o);
	try {
		await migrateToLatest(h.db);
		await bankImport(h, 'questions', () => {});
		if (await isDatabaseEmpty(h.db)) await seedDemo(h.db);
	} finally {
		await h.close();
	}
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster (never the machine's shared server: that one is not ours to restart)

export interface PrivatePostgres {
	port: number;
	/** The superuser's URL for a database of the cluster. */
	url(database?: string): string;
	/** pg_ctl stop: `fast` ends every session cleanly, `immediate` is a crash of the server (recovery from the WAL at the next start). */
	stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
	startServer(): Promise<void>;
	/** Stops the server and removes the cluster. */
	stop(): Promise<void>;
}

function pgBin(name: string): string {
	const root = '/usr/lib/postgresql';
	const version = readdirSync(root)
		.filter((v) => existsSync(join(root, v, 'bin', name)))
		.sort((a, b) => Number(b) - Number(a))[0];
	if (!version)
		throw new Error(`${name} not found under ${root}: install PostgreSQL's server package`);
	return join(root, version, 'bin', name);
}

/** initdb refuses to run as root; the cluster then belongs to the `postgres` system user. */
function asClusterOwner(cmd: string, args: string[]): { cmd: string; args: string[] } {
	if (process.getuid?.() !== 0) return { cmd, args };
	return { cmd: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args] };
}

function run(cmd: string, args: string[]): void {
	const c = asClusterOwner(cmd, args);
	const r = spawnSync(c.cmd, c.args, { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** The same without blocking this process (the load client and the browser go on meanwhile). */
function runAsync(cmd: string, args: string[]): Promise<void> {
	const c = asClusterOwner(cmd, args);
	return new Promise((resolve, reject) => {
		const child = spawn(c.cmd, c.args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
		child.once('exit', (code) =>
			code === 0
				? resolve()
				: reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`))
		);
	});
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
	const root = mkdtempSync(join(tmpdir(), 'exam-faults-pg-'));
	if (process.getuid?.() === 0) {
		const pwd = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
		const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
		chownSync(root, Number(pwd.stdout.trim()), Number(gid.stdout.trim()));
	}
	const data = join(root, 'data');
	const port = await freePort();
	run(pgBin('initdb'), [
		'-D',
		data,
		'-U',
		'postgres',
		'--auth=trust',
		'-E',
		'UTF8',
		'--locale=C.UTF-8',
		'-N'
	]);
	const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${root} -c fsync=on -c max_connections=200`;
	const ctl = (args: string[]) =>
		run(pgBin('pg_ctl'), [
			'-D',
			data,
			'-w',
			'-t',
			'60',
			'-l',
			join(root, 'log'),
			'-o',
			options,
			...args
		]);
	ctl(['start']);
	const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
	const ctlAsync = (args: string[]) =>
		runAsync(pgBin('pg_ctl'), [
			'-D',
			data,
			'-w',
			'-t',
			'60',
			'-l',
			join(root, 'log'),
			'-o',
			options,
			...args
		]);
	return {
		port,
		url,
		stopServer: (mode = 'fast') => ctlAsync(['stop', '-m', mode]),
		startServer: () => ctlAsync(['start']),
		async stop() {
			try {
				// Already stopped (a test stopped it and failed before starting it again) is fine.
				if (existsSync(join(data, 'postmaster.pid'))) ctl(['stop', '-m', 'fast']);
			} finally {
				rmSync(root, { recursive: true, force: true });
			}
		}
	};
}

export async function adminQuery(
	url: string,
	text: string,
	values: unknown[] = []
): Promise<pg.QueryResult> {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	try {
		return await c.query(text, values);
	} finally {
		await c.end();
	}
}

/** A fresh, empty database on a server; returns its URL and how to drop it. */
export async function freshDatabase(
	adminUrl: string,
	name: string
): Promise<{ url: string; drop(): Promise<void> }> {
	await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
	await adminQuery(adminUrl, `create database ${name}`);
	const u = new URL(adminUrl);
	u.pathname = `/${name}`;
	return {
		url: u.toString(),
		drop: () =>
			adminQuery(adminUrl, `drop database if exists ${name} with (force)`).then(() => undefined)
	};
}

// ---------------------------------------------------------------------------------------------
// A started sitting

export interface SeededSitting {
	sittingId: string;
	keycode: string;
	items: string[];
	/** Candidate numbers, in order. */
	numbers: string[];
	/** The sitting's invigilator (a staff account of the demo centre). */
	invigilator: { email: string; password: string };
}

/**
 * Registers `candidates` candidates at the demo centre (900001), books one sitting of `paper` for
 * them and starts it, with reading time already over, as the benchmark does (tests/load/run.ts).
 * `firstNumber` keeps several seeds in one database apart.
 */
export async function seedStartedSitting(
	h: DatabaseHandle,
	candidates: number,
	opts: { paper?: string; firstNumber?: number } = {}
): Promise<SeededSitting> {
	const first = opts.firstNumber ?? 5001;
	const db = h.db;
	const centre = await db
		.selectFrom('centre')
		.select(['id'])
		.where('number', '=', '900001')
		.executeTakeFirstOrThrow();
	const numbers = Array.from({ length: candidates }, (_, i) => String(first + i).padStart(4, '0'));
	const imported = await importCandidates(
		db,
		SYSTEM_ACTOR,
		centre.id,
		numbers.map((n) => ({ candidate_number: n, first_name: 'Fault', last_name: `Candidate ${n}` })),
		'faults.csv'
	);
	if (!imported.ok) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
	const invigilator = {
		email: `faults.inv.${first}.${Date.now()}@example.test`,
		password: 'fault password 123'
	};
	const inv = await createStaffAccount(db, SYSTEM_ACTOR, {
		...invigilator,
		display_name: 'Fault Invigilator',
		role: 'invigilator',
		centre_id: centre.id
	});
	const ids = (
		await db
			.selectFrom('candidate')
			.select('id')
			.where('centre_id', '=', centre.id)
			.where('candidate_number', 'in', numbers)
			.execute()
	).map((r) => r.id);
	// Registered for the paper's qualification, as a booking needs (issue 15).
	const paperCode = opts.paper ?? '8992-111-A';
	await registerForPaper(db, centre.id, ids, paperCode);
	const sitting = await bookSitting(db, SYSTEM_ACTOR, centre.id, {
		paper_code: paperCode,
		scheduled_at: new Date().toISOString(),
		room: `Fault room ${first}`,
		invigilator_ids: [inv.id],
		candidate_ids: ids
	});
	await db
		.updateTable('attempt')
		.set({ present: true })
		.where('sitting_id', '=', sitting.id)
		.execute();
	await startSitting(db, { actor: SYSTEM_ACTOR, centreId: centre.id }, sitting.id);
	await db
		.updateTable('attempt')
		.set({ reading_ends_at: new Date(Date.now() - 1000) })
		.where('sitting_id', '=', sitting.id)
		.execute();
	const items = (
		await db
			.selectFrom('paper_item')
			.select('item_key')
			.where('paper_version_id', '=', sitting.paper_version_id)
			.orderBy('position')
			.execute()
	).map((r) => r.item_key);
	return { sittingId: sitting.id, keycode: sitting.keycode, items, numbers, invigilator };
}

/** Opens the app's database from the test process: PostgreSQL as its owner, or the PGlite folder (only while no app holds it). */
export async function openAppDatabase(o: AppOptions): Promise<DatabaseHandle> {
	return o.databaseUrl ? openPostgres(o.databaseUrl, 4) : openPGlite(o.dataDir);
}

/** A copy of a PGlite data folder (to look at it while keeping the original untouched). */
export function copyDataDir(dir: string): string {
	const copy = mkdtempSync(join(tmpdir(), 'exam-faults-copy-'));
	cpSync(dir, copy, { recursive: true });
	return copy;
}

// ---------------------------------------------------------------------------------------------
// Candidates over HTTP

export interface SignedIn {
	number: string;
	cookie: string;
	attemptId: string;
}

const dispatcher = new Agent({
	connections: 128,
	keepAliveTimeout: 10_000,
	headersTimeout: 30_000,
	bodyTimeout: 30_000,
	connect: { timeout: 5_000 }
});

/** Signs a candidate in with the form (a real cookie) and reads their attempt id from the exam page's data. */
export async function signIn(baseURL: string, number: string, keycode: string): Promise<SignedIn> {
	const res = await request(`${baseURL}/candidate/signin`, {
		method: 'POST',
		dispatcher,
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: baseURL,
			accept: 'text/html'
		},
		body: new URLSearchParams({
			centre_number: '900001',
			candidate_number: number,
			keycode
		}).toString()
	});
	await res.body.dump();
	const setCookie = res.headers['set-cookie'];
	const cookie = ((Array.isArray(setCookie) ? setCookie[0] : setCookie) ?? '').split(';')[0]!;
	if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in of ${number}: ${res.statusCode}`);
	const data = await request(`${baseURL}/candidate/exam/__data.json?x-sveltekit-invalidated=11`, {
		dispatcher,
		headers: { cookie }
	});
	const body = await data.body.text();
	const attemptId = /"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"/.exec(
		body
	)?.[1];
	if (data.statusCode !== 200 || !attemptId)
		throw new Error(`exam page data of ${number}: ${data.statusCode}`);
	return { number, cookie, attemptId };
}

export async function signInAll(
	baseURL: string,
	numbers: string[],
	keycode: string,
	parallel = 32
): Promise<SignedIn[]> {
	const out: SignedIn[] = new Array(numbers.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(parallel, numbers.length) }, async () => {
			while (next < numbers.length) {
				const i = next++;
				out[i] = await signIn(baseURL, numbers[i]!, keycode);
			}
		})
	);
	return out;
}

// ---------------------------------------------------------------------------------------------
// The autosave load, with the client's own log of acknowledgements

export interface Ack {
	attemptId: string;
	item: string;
	seq: number;
	text: string;
	at: number;
}

export interface LoadStats {
	sent: number;
	acknowledged: number;
	/** Sends that got no answer (connection refused or reset: the app was down). */
	noAnswer: number;
	/** Answers other than 200, by status (5xx while the database was away; any 4xx is a bug). */
	refused: Record<number, number>;
	firstRefusal: string;
}

/**
 * Every candidate saves one answer after another, as the page's outbox does: the next item with a
 * higher sequence number every `intervalMs` (jittered), and an unacknowledged save is sent again,
 * unchanged, after a back-off until the server acknowledges it. Only then does that candidate go on.
 * Each acknowledgement goes in `acks` (the client's log).
 */
export class SaveLoad {
	readonly acks: Ack[] = [];
	readonly stats: LoadStats = {
		sent: 0,
		acknowledged: 0,
		noAnswer: 0,
		refused: {},
		firstRefusal: ''
	};
	private stopping = false;
	private loops: Promise<void>[] = [];
	private lastAckAt = 0;

	constructor(
		private baseURL: () => string,
		private candidates: SignedIn[],
		private items: string[],
		private intervalMs: number,
		private textFor: (c: SignedIn, item: string, seq: number) => string = (c, item, seq) =>
			`candidate ${c.number} question ${item} revision ${seq}. `.repeat(8)
	) {}

	start(): void {
		this.loops = this.candidates.map((c, ci) => this.loop(c, ci));
	}

	/** The time of the latest acknowledgement (ms since the epoch). */
	get latestAck(): number {
		return this.lastAckAt;
	}

	private async loop(c: SignedIn, ci: number): Promise<void> {
		const seqs: Record<string, number> = {};
		// Spread the first saves over one interval, as candidates do not all type at once.
		await new Promise((r) => setTimeout(r, (ci / this.candidates.length) * this.intervalMs));
		for (let n = 0; !this.stopping; n++) {
			const item = this.items[(ci + n) % this.items.length]!;
			const seq = (seqs[item] = (seqs[item] ?? 0) + 1);
			const text = this.textFor(c, item, seq);
			await this.saveUntilAcknowledged(c, item, seq, text);
			if (this.stopping) break;
			await new Promise((r) => setTimeout(r, this.intervalMs * (0.5 + Math.random())));
		}
	}

	private async saveUntilAcknowledged(
		c: SignedIn,
		item: string,
		seq: number,
		text: string
	): Promise<void> {
		let backoff = 200;
		for (;;) {
			this.stats.sent++;
			try {
				const res = await request(
					`${this.baseURL()}/api/attempts/${c.attemptId}/responses/${encodeURIComponent(item)}`,
					{
						method: 'PUT',
						dispatcher,
						headers: {
							cookie: c.cookie,
							'content-type': 'application/json',
							origin: this.baseURL()
						},
						body: JSON.stringify({ seq, text })
					}
				);
				const body = await res.body.text();
				if (res.statusCode === 200) {
					const ack = JSON.parse(body) as { seq: number };
					if (ack.seq !== seq)
						throw new Error(
							`acknowledged seq ${ack.seq} for a save of ${seq} (${c.number} ${item})`
						);
					this.stats.acknowledged++;
					this.lastAckAt = Date.now();
					this.acks.push({ attemptId: c.attemptId, item, seq, text, at: this.lastAckAt });
					return;
				}
				this.stats.refused[res.statusCode] = (this.stats.refused[res.statusCode] ?? 0) + 1;
				this.stats.firstRefusal ||= `${res.statusCode} ${body.slice(0, 200)}`;
			} catch (err) {
				if (err instanceof Error && err.message.startsWith('acknowledged seq')) throw err;
				this.stats.noAnswer++;
			}
			// Like the page's outbox: the same save again, later. Once stopping, the save still goes
			// until acknowledged, so the log ends with nothing in flight.
			await new Promise((r) => setTimeout(r, backoff));
			backoff = Math.min(backoff * 2, 2000);
		}
	}

	/** Stops starting new saves and waits until every candidate's last save is acknowledged. */
	async stop(): Promise<void> {
		this.stopping = true;
		await Promise.all(this.loops);
	}
}

export interface AckCheck {
	acknowledged: number;
	missing: Ack[];
	/** Answers whose stored sequence number is below the highest acknowledged one. */
	behind: number;
}

/**
 * Every acknowledged save must be in the revision log with its exact text, and the stored answer
 * must be at least as new as the newest acknowledged save for it.
 */
export async function checkAcks(h: DatabaseHandle, acks: Ack[]): Promise<AckCheck> {
	const attemptIds = [...new Set(acks.map((a) => a.attemptId))];
	const revisions = new Set<string>();
	const stored = new Map<string, number>();
	for (let i = 0; i < attemptIds.length; i += 500) {
		const chunk = attemptIds.slice(i, i + 500);
		for (const r of await h.db
			.selectFrom('response_revision')
			.select(['attempt_id', 'item_key', 'seq', 'text'])
			.where('attempt_id', 'in', chunk)
			.execute())
			revisions.add(`${r.attempt_id}|${r.item_key}|${r.seq}|${r.text}`);
		for (const r of await h.db
			.selectFrom('response')
			.select(['attempt_id', 'item_key', 'seq'])
			.where('attempt_id', 'in', chunk)
			.execute())
			stored.set(`${r.attempt_id}|${r.item_key}`, r.seq);
	}
	const missing = acks.filter((a) => !revisions.has(`${a.attemptId}|${a.item}|${a.seq}|${a.text}`));
	const newest = new Map<string, number>();
	for (const a of acks)
		newest.set(
			`${a.attemptId}|${a.item}`,
			Math.max(newest.get(`${a.attemptId}|${a.item}`) ?? 0, a.seq)
		);
	let behind = 0;
	for (const [k, seq] of newest) if ((stored.get(k) ?? 0) < seq) behind++;
	return { acknowledged: acks.length, missing, behind };
}

// ---------------------------------------------------------------------------------------------
// A loopback round-robin proxy in front of several app processes

export interface Proxy {
	baseURL: string;
	/** Requests sent to each backend, in order. */
	counts: number[];
	close(): Promise<void>;
}

/** Spreads requests over `backends` in turn (each request to the next one), loopback only. */
export async function roundRobinProxy(backends: string[]): Promise<Proxy> {
	const counts = backends.map(() => 0);
	let next = 0;
	const server: Server = createHttpServer((req, res) => {
		const i = next++ % backends.length;
		counts[i]!++;
		const target = new URL(req.url ?? '/', backends[i]);
		const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
			res.writeHead(r.statusCode ?? 502, r.headers);
			r.pipe(res);
		});
		up.on('error', () => {
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
			res.end('Bad gateway');
		});
		req.pipe(up);
	});
	const port = await freePort();
	await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
	return {
		baseURL: `http://127.0.0.1:${port}`,
		counts,
		close: () =>
			new Promise<void>((r) => {
				server.closeAllConnections();
				server.close(() => r());
			})
	};
}
