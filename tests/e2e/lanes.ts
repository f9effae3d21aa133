import { spawn } from 'node:child_process';
import {
	createWriteStream,
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildIfNeeded } from '../../src/cli/build-if-needed.js';

/*
 * The browser tests in lanes: each lane is a vitest run of some spec files with its own app and its
 * own fresh database (the global setup starts one per run), so lanes share nothing and cannot
 * disturb each other. Most of a browser test's time is waiting (reading time running out, a
 * deadline, a restart), so lanes overlap the waits; the machine's cores are rarely the limit.
 * The lanes' results are merged into one report with the reporters given on the command line
 * (`npm run test:e2e -- --reporter=json --outputFile.json=e2e.json`).
 *
 * Specs are dealt to lanes longest first (by the seconds below, measured on node-svc), each to the
 * lane with the least so far; a spec not listed counts as half a minute, so a new spec is always run.
 * E2E_LANES sets the number of lanes (default 3); file arguments run only those specs.
 */
const SECONDS: Record<string, number> = {
	'exam.spec.ts': 150,
	'exam-page.spec.ts': 71,
	'live.spec.ts': 66,
	'faults.spec.ts': 50,
	'papers.spec.ts': 32,
	'accounts.spec.ts': 23,
	'foundation.spec.ts': 22,
	'marking.spec.ts': 20,
	'quality.spec.ts': 17,
	'hardening.spec.ts': 15,
	'operations.spec.ts': 15,
	'sittings.spec.ts': 10,
	'reviews.spec.ts': 9,
	'mocks.spec.ts': 9,
	'authz-matrix.spec.ts': 8,
	'certificates.spec.ts': 7,
	'awarding.spec.ts': 6,
	'integrity.spec.ts': 4,
	'results-downloads.spec.ts': 3,
	'api.spec.ts': 1,
	'exam-page-weight.spec.ts': 1
};
const DEFAULT_SECONDS = 30;

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-') && a.endsWith('.spec.ts'));
const reporterArgs = args.filter((a) => !files.includes(a));
const specs = files.length
	? files
	: readdirSync('tests/e2e')
			.filter((f) => f.endsWith('.spec.ts'))
			.map((f) => `tests/e2e/${f}`);
const laneCount = Math.max(1, Math.min(Number(process.env.E2E_LANES ?? 3) || 3, specs.length));

const lanes: { specs: string[]; seconds: number }[] = Array.from({ length: laneCount }, () => ({
	specs: [],
	seconds: 0
}));
const cost = (spec: string) => SECONDS[spec.split('/').pop()!] ?? DEFAULT_SECONDS;
for (const spec of [...specs].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
	const lane = lanes.reduce((min, l) => (l.seconds < min.seconds ? l : min));
	lane.specs.push(spec);
	lane.seconds += cost(spec);
}

// Built once here: lanes starting together must not each build into the same folder.
buildIfNeeded((line) => console.log(line));

const work = mkdtempSync(join(tmpdir(), 'exam-e2e-lanes-'));
const blobs = join(work, 'blobs');
const vitest = 'node_modules/vitest/vitest.mjs';
console.log(`Browser tests in ${laneCount} lanes (${availableParallelism()} cores):`);
lanes.forEach((l, i) =>
	console.log(
		`  lane ${i + 1} (~${l.seconds} s): ${l.specs.map((s) => s.split('/').pop()).join(', ')}`
	)
);

const started = Date.now();
const results = await Promise.all(
	lanes.map(
		(lane, i) =>
			new Promise<{ code: number | null; log: string }>((resolve) => {
				const log = join(work, `lane-${i + 1}.log`);
				const out = createWriteStream(log);
				const child = spawn(
					process.execPath,
					[
						vitest,
						'run',
						'--config',
						'vitest.e2e.config.ts',
						'--reporter=default',
						'--reporter=blob',
						`--outputFile.blob=${join(blobs, `lane-${i + 1}.blob.json`)}`,
						...lane.specs
					],
					{ stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } }
				);
				child.stdout.pipe(out, { end: false });
				child.stderr.pipe(out, { end: false });
				child.once('exit', (code) => {
					console.log(
						`lane ${i + 1} finished in ${Math.round((Date.now() - started) / 1000)} s (exit ${code})`
					);
					out.end(() => resolve({ code, log }));
				});
			})
	)
);

results.forEach((r, i) => {
	console.log(`\n===== lane ${i + 1} =====`);
	process.stdout.write(readFileSync(r.log, 'utf8'));
});

// A lane that wrote no report (it crashed before the end) fails the run loudly: its tests did not run.
const missing = lanes
	.map((_, i) => join(blobs, `lane-${i + 1}.blob.json`))
	.filter((f) => !existsSync(f));
for (const f of missing)
	console.error(
		`${f.split('/').pop()} is missing: that lane's tests did not report (counted as a failure)`
	);

console.log('\n===== all lanes =====');
const merged = await new Promise<number | null>((resolve) => {
	const child = spawn(
		process.execPath,
		[
			vitest,
			'run',
			'--config',
			'vitest.e2e.config.ts',
			`--merge-reports=${blobs}`,
			...reporterArgs
		],
		{ stdio: 'inherit' }
	);
	child.once('exit', resolve);
});
rmSync(work, { recursive: true, force: true });
const failed = missing.length > 0 || merged !== 0 || results.some((r) => r.code !== 0);
process.exit(failed ? 1 : 0);
