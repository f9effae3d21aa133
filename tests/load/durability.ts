/**
 * What durable commits cost on embedded PGlite (npm run bench:durability). The app's own autosave
 * (saveAnswer: one statement, the usual case) against a PGlite data folder on this machine's disk,
 * first as PGlite ships (fsync off: a commit is in the kernel's page cache when acknowledged) and
 * then as the app now opens it (fsync on, the WAL fsynced at each commit, src/lib/server/db/pglite-files.ts).
 * Clients save in a closed loop (BENCH_CLIENTS, 8; PGlite runs one statement at a time), for
 * BENCH_SAVES saves (1,000) each way. Prints saves/s and latency p50/p99, and writes
 * tests/load/out/durability.json. The folder is in BENCH_DIR (default the OS temp folder: put it on
 * the disk the app's DATA_DIR will use, since fsync costs what that disk costs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { openPGlite } from '../../src/lib/server/db/index.js';
import { migrateToLatest } from '../../src/lib/server/db/migrate.js';
import { saveAnswer } from '../../src/lib/server/delivery/autosave.js';
import { signInCandidate } from '../../src/lib/server/delivery/sign-in.js';
import { markAttendance } from '../../src/lib/server/invigilation/attendance.js';
import { startSitting } from '../../src/lib/server/invigilation/start.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SAVES = Number(process.env.BENCH_SAVES ?? 1000);
const ROOT = process.env.BENCH_DIR ?? tmpdir();

interface Run {
	fsync: 'off (PGlite as shipped)' | 'on (the app)';
	saves: number;
	savesPerSecond: number;
	p50Ms: number;
	p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function run(durable: boolean): Promise<Run> {
	const dir = mkdtempSync(join(ROOT, 'exam-durability-'));
	const h = await openPGlite(join(dir, 'db'), { durable });
	try {
		await migrateToLatest(h.db);
		const f = await makeSitting(h.db, CLIENTS);
		const started = new Date(Date.now() - 6 * 60_000);
		for (const c of f.candidates)
			await markAttendance(h.db, { ...f.ctx, now: started }, f.sitting.id, f.attemptOf(c.id), true);
		await startSitting(h.db, { ...f.ctx, now: started }, f.sitting.id);
		const clients = [];
		for (const c of f.candidates) {
			const { token } = await signInCandidate(h.db, {
				centreNumber: f.centre.number,
				candidateNumber: c.candidate_number,
				keycode: f.sitting.keycode,
				ip: '192.0.2.1'
			});
			clients.push({ token, attemptId: f.attemptOf(c.id), seq: 0 });
		}
		const latencies: number[] = [];
		let left = SAVES;
		const t0 = performance.now();
		await Promise.all(
			clients.map(async (c) => {
				while (left-- > 0) {
					const a = performance.now();
					const r = await saveAnswer(h.db, {
						token: c.token,
						attemptId: c.attemptId,
						itemKey: '1',
						body: { seq: ++c.seq, text: `answer ${c.seq} `.repeat(40) }
					});
					if (r.seq !== c.seq) throw new Error('save not acknowledged');
					latencies.push(performance.now() - a);
				}
			})
		);
		const seconds = (performance.now() - t0) / 1000;
		latencies.sort((x, y) => x - y);
		return {
			fsync: durable ? 'on (the app)' : 'off (PGlite as shipped)',
			saves: latencies.length,
			savesPerSecond: Math.round(latencies.length / seconds),
			p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
			p99Ms: Number(percentile(latencies, 0.99).toFixed(1))
		};
	} finally {
		await h.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

const runs = [await run(false), await run(true)];
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]!.toFixed(1)}, folder in ${ROOT}`;
console.log(
	`\nPGlite autosave, ${CLIENTS} clients, ${SAVES} saves each way; ${new Date().toISOString()}; ${machine}\n`
);
console.log('| fsync | saves/s | p50 ms | p99 ms |\n|---|---|---|---|');
for (const r of runs) console.log(`| ${r.fsync} | ${r.savesPerSecond} | ${r.p50Ms} | ${r.p99Ms} |`);
mkdirSync('tests/load/out', { recursive: true });
writeFileSync(
	'tests/load/out/durability.json',
	JSON.stringify({ at: new Date().toISOString(), machine, clients: CLIENTS, runs }, null, 2)
);
