/**
 * `npm run faults`: the crash and fault tests at full size (issue 14). Parts (all by default, or
 * name some: `npm run faults -- kill-pglite restart-postgres`):
 *   kill-postgres     kill -9 of the app during a 2,000-candidate autosave load on PostgreSQL, start again
 *   kill-pglite       the same on embedded PGlite
 *   restart-postgres  a private PostgreSQL cluster stopped (immediate: a crash) and started under the load
 * Every part checks the load client's own log of acknowledged saves against the database.
 * Knobs: FAULTS_CANDIDATES (2000), FAULTS_INTERVAL_MS (5000: each candidate saves every ~5 s, 400/s
 * in all), FAULTS_ADMIN_URL (the PostgreSQL server for kill-postgres, postgres://root@127.0.0.1:5432/postgres).
 * The browser fault tests (a page through the restart, offline typing, writes refused) and several
 * app processes run in CI: tests/e2e/faults.spec.ts. Writes tests/faults/out/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

import { buildIfNeeded } from '../../src/cli/build-if-needed.js';
import {
	adminQuery,
	freePort,
	openAppDatabase,
	prepareDatabase,
	seedStartedSitting,
	startApp,
	startPrivatePostgres
} from './harness.js';
import { killDuringLoad, restartPostgresDuringLoad } from './scenarios.js';

const CANDIDATES = Number(process.env.FAULTS_CANDIDATES ?? 2000);
const INTERVAL_MS = Number(process.env.FAULTS_INTERVAL_MS ?? 5000);
const ADMIN_URL = process.env.FAULTS_ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const ALL = ['kill-postgres', 'kill-pglite', 'restart-postgres'];
const parts = process.argv.slice(2).filter((a) => ALL.includes(a));
const chosen = parts.length ? parts : ALL;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main() {
	log(
		`Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	buildIfNeeded(log);
	mkdirSync('tests/faults/out', { recursive: true });
	const out: Record<string, unknown> = {
		date: new Date().toISOString(),
		candidates: CANDIDATES,
		intervalMs: INTERVAL_MS
	};
	let failed = false;
	// Enough load to be mid-flight at the kill: a few seconds of saves before it and after the restart.
	const perSecond = (CANDIDATES * 1000) / INTERVAL_MS;
	for (const database of ['postgres', 'pglite'] as const) {
		if (!chosen.includes(`kill-${database}`)) continue;
		const r = await killDuringLoad({
			database,
			candidates: CANDIDATES,
			intervalMs: INTERVAL_MS,
			killAfterAcks: Math.round(perSecond * 10),
			acksAfterRestart: Math.round(perSecond * 10),
			adminUrl: ADMIN_URL,
			ackLogFile: `tests/faults/out/acks-kill-${database}.jsonl`,
			log
		});
		out[`kill-${database}`] = {
			...r,
			check: {
				acknowledged: r.check.acknowledged,
				missing: r.check.missing.length,
				behind: r.check.behind,
				firstMissing: r.check.missing[0] ?? null
			}
		};
		failed ||= r.check.missing.length > 0 || r.check.behind > 0;
	}
	if (chosen.includes('restart-postgres')) {
		const cluster = await startPrivatePostgres();
		let app: Awaited<ReturnType<typeof startApp>> | null = null;
		try {
			await adminQuery(cluster.url(), 'create database exam');
			const databaseUrl = cluster.url('exam');
			await prepareDatabase({ databaseUrl });
			const h = await openAppDatabase({ databaseUrl });
			const seeded = await seedStartedSitting(h, CANDIDATES);
			await h.close();
			app = await startApp({ databaseUrl, port: await freePort() });
			log(
				`restart-postgres: private cluster on port ${cluster.port}, ${CANDIDATES} candidates signing in`
			);
			const r = await restartPostgresDuringLoad({
				cluster,
				baseURL: app.baseURL,
				databaseUrl,
				numbers: seeded.numbers,
				keycode: seeded.keycode,
				items: seeded.items,
				intervalMs: INTERVAL_MS,
				acksBefore: Math.round(perSecond * 10),
				acksAfter: Math.round(perSecond * 10),
				mode: 'immediate',
				log
			});
			out['restart-postgres'] = {
				...r,
				check: {
					acknowledged: r.check.acknowledged,
					missing: r.check.missing.length,
					behind: r.check.behind
				}
			};
			failed ||=
				r.check.missing.length > 0 ||
				r.check.behind > 0 ||
				Object.keys(r.load.refused).some((s) => Number(s) < 500);
		} finally {
			await app?.stop();
			await cluster.stop();
		}
	}
	writeFileSync('tests/faults/out/latest.json', JSON.stringify(out, null, 2));
	log(
		failed
			? 'FAILED: an acknowledged save is missing (see tests/faults/out/latest.json)'
			: 'Every acknowledged save is in the database.'
	);
	return failed ? 1 : 0;
}

main().then(
	(code) => process.exit(code),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
