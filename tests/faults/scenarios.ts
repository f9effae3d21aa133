/**
 * The fault scenarios (issue 14), each a function so the quick CI tests (tests/e2e/faults.spec.ts)
 * and `npm run faults` (tests/faults/run.ts, 2,000 candidates) run the very same steps.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
	checkAcks,
	freePort,
	freshDatabase,
	openAppDatabase,
	prepareDatabase,
	SaveLoad,
	seedStartedSitting,
	signInAll,
	startApp,
	waitFor,
	type AckCheck,
	type AppOptions,
	type LoadStats,
	type PrivatePostgres
} from './harness.js';

export interface KillResult {
	database: 'postgres' | 'pglite';
	candidates: number;
	check: AckCheck;
	load: LoadStats;
	/** Acknowledged before the kill. */
	ackedBeforeKill: number;
	/** From kill -9 to the first acknowledgement by the new process (s). */
	gapSeconds: number;
	/** From spawning the new process to its "Listening on" (s). */
	restartSeconds: number;
}

export interface KillOptions {
	database: 'postgres' | 'pglite';
	candidates: number;
	/** Each candidate saves about once per interval (2,000 candidates every 5 s = 400 saves/s). */
	intervalMs: number;
	/** Kill once this many saves are acknowledged. */
	killAfterAcks: number;
	/** Stop the load once the restarted app has acknowledged this many. */
	acksAfterRestart: number;
	/** PostgreSQL server (admin URL) for the 'postgres' case. */
	adminUrl?: string;
	/** Write the client's acknowledgement log here (JSON lines), if given. */
	ackLogFile?: string;
	log?: (line: string) => void;
}

/**
 * kill -9 of the app during an autosave load, then a new process on the same port: the load
 * client retries what got no answer and afterwards checks every save it saw acknowledged against
 * the database. On PGlite the check opens the data folder after a second kill -9 (the folder as a
 * crashed process leaves it).
 */
export async function killDuringLoad(o: KillOptions): Promise<KillResult> {
	const log = o.log ?? (() => {});
	let app: AppOptions;
	let dropDb: (() => Promise<void>) | null = null;
	let dataDir: string | null = null;
	if (o.database === 'postgres') {
		const fresh = await freshDatabase(
			o.adminUrl ?? 'postgres://root@127.0.0.1:5432/postgres',
			`exam_faults_kill_${process.pid}`
		);
		app = { databaseUrl: fresh.url };
		dropDb = fresh.drop;
	} else {
		dataDir = mkdtempSync(join(tmpdir(), 'exam-faults-pglite-'));
		app = { dataDir: join(dataDir, 'db') };
	}
	try {
		await prepareDatabase(app);
		const seedHandle = await openAppDatabase(app);
		const seeded = await seedStartedSitting(seedHandle, o.candidates);
		await seedHandle.close();
		const port = await freePort();
		let proc = await startApp({ ...app, port });
		const base = proc.baseURL;
		const t0 = Date.now();
		const cands = await signInAll(base, seeded.numbers, seeded.keycode);
		log(
			`${o.database}: ${cands.length} candidates signed in (${((Date.now() - t0) / 1000).toFixed(1)} s); saving, kill -9 after ${o.killAfterAcks} acknowledgements`
		);
		const load = new SaveLoad(() => base, cands, seeded.items, o.intervalMs);
		load.start();
		let result: KillResult;
		try {
			await waitFor(
				() => load.stats.acknowledged >= o.killAfterAcks,
				`${o.killAfterAcks} acknowledged saves`,
				120_000
			);
			const killedAt = Date.now();
			await proc.crash();
			const ackedBeforeKill = load.stats.acknowledged;
			const spawnedAt = Date.now();
			proc = await startApp({ ...app, port });
			const restartSeconds = (Date.now() - spawnedAt) / 1000;
			await waitFor(
				() => load.latestAck > spawnedAt,
				'an acknowledgement from the new process',
				60_000
			);
			const gapSeconds = (load.acks.find((a) => a.at > spawnedAt)!.at - killedAt) / 1000;
			log(
				`${o.database}: killed after ${ackedBeforeKill} acknowledged; new process listening in ${restartSeconds.toFixed(1)} s, saving again ${gapSeconds.toFixed(1)} s after the kill`
			);
			const target = load.stats.acknowledged + o.acksAfterRestart;
			await waitFor(
				() => load.stats.acknowledged >= target,
				`${o.acksAfterRestart} acknowledgements after the restart`,
				120_000
			);
			await load.stop();
			if (o.ackLogFile)
				writeFileSync(o.ackLogFile, load.acks.map((a) => JSON.stringify(a)).join('\n') + '\n');
			let check: AckCheck;
			if (o.database === 'postgres') {
				const h = await openAppDatabase(app);
				check = await checkAcks(h, load.acks);
				await h.close();
				await proc.stop();
			} else {
				// PGlite belongs to one process: crash this one too, then read the folder it left.
				await proc.crash();
				const h = await openAppDatabase(app);
				check = await checkAcks(h, load.acks);
				await h.close();
			}
			result = {
				database: o.database,
				candidates: cands.length,
				check,
				load: load.stats,
				ackedBeforeKill,
				gapSeconds,
				restartSeconds
			};
		} finally {
			await proc.crash().catch(() => {});
		}
		log(
			`${o.database}: ${result.check.acknowledged} acknowledged saves in the client's log, ${result.check.missing.length} missing from the database, ${result.check.behind} answers behind; ${result.load.noAnswer} sends got no answer, refused: ${JSON.stringify(result.load.refused)}`
		);
		return result;
	} finally {
		await dropDb?.();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	}
}

export interface RestartResult {
	candidates: number;
	check: AckCheck;
	load: LoadStats;
	/** From the stop of PostgreSQL to the first acknowledgement after it was back (s). */
	gapSeconds: number;
	/** How long PostgreSQL was down (s). */
	downSeconds: number;
}

/**
 * PostgreSQL stopped and started again (`pg_ctl stop -m fast|immediate`, then start) under an
 * autosave load through the running app. `during` runs while the server is down (a browser types).
 */
export async function restartPostgresDuringLoad(o: {
	cluster: PrivatePostgres;
	baseURL: string;
	databaseUrl: string;
	numbers: string[];
	keycode: string;
	items: string[];
	intervalMs: number;
	acksBefore: number;
	acksAfter: number;
	mode?: 'fast' | 'immediate';
	during?: () => Promise<void>;
	afterStart?: () => Promise<void>;
	log?: (line: string) => void;
}): Promise<RestartResult> {
	const log = o.log ?? (() => {});
	const cands = await signInAll(o.baseURL, o.numbers, o.keycode);
	const load = new SaveLoad(() => o.baseURL, cands, o.items, o.intervalMs);
	load.start();
	await waitFor(
		() => load.stats.acknowledged >= o.acksBefore,
		`${o.acksBefore} acknowledged saves`,
		120_000
	);
	const stoppedAt = Date.now();
	await o.cluster.stopServer(o.mode ?? 'fast');
	let startedAt = 0;
	try {
		await o.during?.();
	} finally {
		startedAt = Date.now();
		await o.cluster.startServer();
	}
	const downSeconds = (Date.now() - stoppedAt) / 1000;
	await waitFor(
		() => load.latestAck > startedAt,
		'an acknowledgement after PostgreSQL came back',
		60_000
	);
	const gapSeconds = (load.acks.find((a) => a.at > startedAt)!.at - stoppedAt) / 1000;
	log(
		`PostgreSQL down ${downSeconds.toFixed(1)} s (${o.mode ?? 'fast'} stop); saves acknowledged again ${gapSeconds.toFixed(1)} s after the stop`
	);
	await o.afterStart?.();
	const target = load.stats.acknowledged + o.acksAfter;
	await waitFor(
		() => load.stats.acknowledged >= target,
		`${o.acksAfter} acknowledgements after the restart`,
		120_000
	);
	await load.stop();
	const h = await openAppDatabase({ databaseUrl: o.databaseUrl });
	const check = await checkAcks(h, load.acks);
	await h.close();
	log(
		`PostgreSQL restart: ${check.acknowledged} acknowledged, ${check.missing.length} missing, ${check.behind} behind; ${load.stats.noAnswer} without answer, refused ${JSON.stringify(load.stats.refused)} (${load.stats.firstRefusal.slice(0, 120)})`
	);
	return { candidates: cands.length, check, load: load.stats, gapSeconds, downSeconds };
}
