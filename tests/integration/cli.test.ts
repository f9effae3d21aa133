import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';

import { openExistingDatabase, resultsExplain } from '../../src/cli/bank.js';
import { paperItems } from '../../src/lib/domain/paper.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { updateBoundaries } from '../../src/lib/server/awarding/boundary-changes.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { getPaperVersion } from '../../src/lib/server/bank/papers.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';
import { createTestDatabase } from '../helpers/db.js';

/** No database unless a test gives one: a DATA_DIR that does not exist, and no DATABASE_URL. */
const NO_DB = { DATABASE_URL: '', DATA_DIR: join(tmpdir(), `no-exam-db-${process.pid}`) };

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
	const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		encoding: 'utf8',
		env: { ...process.env, ...NO_DB, ...env }
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function marksFile(content: unknown): string {
	const file = join(mkdtempSync(join(tmpdir(), 'marks-')), 'marks.json');
	writeFileSync(file, JSON.stringify(content));
	return file;
}

describe('npm run cli -- results explain', () => {
	const paper = loadBank('questions').papers.find((p) => p.paper.code === '8992-113-A')!;
	const items = paperItems(paper.paper);

	it('prints one JSON line with total, grade and codes', () => {
		// Full marks everywhere → First Class Pass, no codes.
		const file = marksFile({
			marks: Object.fromEntries(
				items.map((i) => [i.key, { mark: i.marks, attempted: true, fk: false }])
			)
		});
		const r = cli(['results', 'explain', '--paper', '8992-113-A', '--marks', file]);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout.trim())).toEqual({
			total: items.reduce((s, i) => s + i.marks, 0),
			grade: 'First Class Pass',
			codes: []
		});
	});
	it('gives a failing script its codes', () => {
		const file = marksFile({ marks: { [items[0]!.key]: { mark: 1, attempted: true, fk: true } } });
		const r = cli(['results', 'explain', '--paper', '8992-113-A', '--marks', file]);
		expect(r.code).toBe(0);
		const out = JSON.parse(r.stdout.trim());
		expect(out.grade).toBe('Fail');
		expect(out.total).toBe(1);
		expect(out.codes.slice(0, 2)).toEqual(['AB', 'FK']);
		expect(out.codes).toHaveLength(4);
	});
	it('refuses unknown ids and marks above the maximum, naming them, with a non-zero exit', () => {
		const file = marksFile({
			marks: { nope: { mark: 1 }, [items[0]!.key]: { mark: items[0]!.marks + 1 } }
		});
		const r = cli(['results', 'explain', '--paper', '8992-113-A', '--marks', file]);
		expect(r.code).toBe(1);
		expect(r.stdout).toBe('');
		expect(r.stderr).toContain('unknown question id "nope"');
		expect(r.stderr).toContain(
			`${items[0]!.key}: mark ${items[0]!.marks + 1} is above the maximum of ${items[0]!.marks}`
		);
	});
});

describe('results explain: every Fail names an area (DESIGN.md section 1), on every paper of the bank', () => {
	for (const { paper } of loadBank('questions').papers) {
		it(`${paper.code}: one mark under the pass mark with every area at half or more gives AA and the weakest area`, async () => {
			const items = paperItems(paper);
			// Each area given half its marks (rounded up, spread over its items), then topped up to pass − 1.
			const given = new Map(items.map((i) => [i.key, 0]));
			for (const area of new Set(items.map((i) => i.area))) {
				const inArea = items.filter((i) => i.area === area);
				let need = Math.ceil(inArea.reduce((a, i) => a + i.marks, 0) / 2);
				for (const i of inArea) {
					const take = Math.min(i.marks, need);
					given.set(i.key, take);
					need -= take;
				}
			}
			let total = [...given.values()].reduce((a, b) => a + b, 0);
			for (const i of items) {
				while (total < paper.boundaries.pass - 1 && given.get(i.key)! < i.marks) {
					given.set(i.key, given.get(i.key)! + 1);
					total++;
				}
			}
			expect(total).toBe(paper.boundaries.pass - 1);
			const share = new Map<string, [number, number]>();
			for (const i of items) {
				const [s, a] = share.get(i.area) ?? [0, 0];
				share.set(i.area, [s + given.get(i.key)!, a + i.marks]);
			}
			const order = ['FL', 'FM', 'FN', 'FO', 'FP', 'FR', 'FS'];
			const weakest = [...share.entries()].sort(
				([x, [sx, ax]], [y, [sy, ay]]) => sx / ax - sy / ay || order.indexOf(x) - order.indexOf(y)
			)[0]![0];
			const file = marksFile({
				marks: Object.fromEntries(
					items.map((i) => [i.key, { mark: given.get(i.key), attempted: true, fk: false }])
				)
			});
			// The command's own function in this process (the tests above spawn the CLI itself): one
			// process per paper of the bank would cost CI a couple of seconds a paper.
			const out = vi.spyOn(console, 'log').mockImplementation(() => {});
			const err = vi.spyOn(console, 'error').mockImplementation(() => {});
			try {
				expect(await resultsExplain(paper.code, file, { database: async () => null })).toBe(0);
				expect(err).not.toHaveBeenCalled();
				expect(out).toHaveBeenCalledTimes(1);
				expect(JSON.parse(String(out.mock.calls[0]![0]))).toEqual({
					total,
					grade: 'Fail',
					codes: ['AA', weakest]
				});
			} finally {
				out.mockRestore();
				err.mockRestore();
			}
		});
	}
});

describe('results explain grades with the boundaries stored in the database, as the app does', () => {
	let h: DatabaseHandle;
	let root: string;
	beforeAll(async () => {
		h = await createTestDatabase();
		root = writeBank();
		await importBank(h.db, loadBank(root), SYSTEM_ACTOR);
	});
	afterAll(async () => {
		await h.close();
		rmSync(root, { recursive: true, force: true });
	});
	// 12 of 20: a Pass with the file's boundaries (pass 12); a narrow Fail once the pass mark is 13.
	const twelve = () =>
		marksFile({
			marks: {
				'1': { mark: 5 },
				'2': { mark: 5 },
				'3.a': { mark: 2 },
				'3.b': { mark: 0, attempted: true }
			}
		});
	async function explain(file: string, database: () => Promise<DatabaseHandle | null>) {
		const out = vi.spyOn(console, 'log').mockImplementation(() => {});
		const err = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const code = await resultsExplain('8992-111-T', file, { dir: root, database });
			return {
				code,
				stdout: out.mock.calls.map((c) => c.join(' ')).join('\n'),
				stderr: err.mock.calls.map((c) => c.join(' ')).join('\n')
			};
		} finally {
			out.mockRestore();
			err.mockRestore();
		}
	}
	const shared = async () => ({ ...h, close: async () => {} });

	it('uses the stored current boundaries once an administrator has changed them', async () => {
		const file = twelve();
		expect(JSON.parse((await explain(file, async () => null)).stdout).grade).toBe('Pass');
		const v = await getPaperVersion(h.db, '8992-111-T');
		await updateBoundaries(h.db, SYSTEM_ACTOR, v.versionId, { pass: '13', first_class: '18' });
		const r = await explain(file, shared);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual({ total: 12, grade: 'Fail', codes: ['AA', 'FO', 'FM'] });
		expect(r.stderr).toContain(
			'graded with 8992-111-T v1 as stored in the database (boundaries: pass 13, first class 18)'
		);
	});
	it('grades with the file when the database does not have the paper, and opens no database that is not there', async () => {
		await h.db
			.updateTable('paper')
			.set({ current_version_id: null })
			.where('code', '=', '8992-111-T')
			.execute();
		try {
			expect(JSON.parse((await explain(twelve(), shared)).stdout).grade).toBe('Pass');
		} finally {
			const v = await h.db
				.selectFrom('paper_version')
				.select('id')
				.where('version', '=', 1)
				.executeTakeFirstOrThrow();
			await h.db
				.updateTable('paper')
				.set({ current_version_id: v.id })
				.where('code', '=', '8992-111-T')
				.execute();
		}
		expect(await openExistingDatabase({ dataDir: NO_DB.DATA_DIR })).toBeNull();
		expect(existsSync(NO_DB.DATA_DIR)).toBe(false);
	});
});

describe('npm run cli -- bank check', () => {
	it('exits non-zero and names the file and question of a bad paper', () => {
		const bad = validPaper();
		bad.sections[0].questions[1].area = 'FR';
		const root = writeBank({ papers: [bad] });
		writeFileSync(join(root, '8992-111', 'extra.txt'), stringify({ ignored: true }));
		const r = cli(['bank', 'check'], { BANK_DIR: root });
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/8992-111-T\.yaml: question 2: area FR is not valid at level 1/);
	});
	it('prints a row for a paper with problems too, marking the outcome it misses', () => {
		const bad = validPaper();
		bad.sections[0].questions[1].criteria = ['AC1.1'];
		bad.sections[0].questions[1].area = 'FL';
		const root = writeBank({ papers: [bad] });
		const r = cli(['bank', 'check'], { BANK_DIR: root });
		expect(r.code).toBe(1);
		expect(r.stdout).toMatch(
			/8992-111-T\s+live\s+20\s+12\s+16\s+10 \(50%\)\s+5 \(25%\)\s+0 \(0%\)\s+5 \(25%\)\s+–\s+–\s+–\s+LO1 !LO2 LO3 LO4\s+NOT OK: 2 problems, listed below/
		);
		expect(r.stderr).toMatch(/8992-111-T\.yaml: learning outcome LO2 is not assessed by any item/);
	});
	it('prints the coverage table for a clean bank', () => {
		const root = writeBank({ papers: [{ ...validPaper(), kind: 'live' }] });
		const r = cli(['bank', 'check'], { BANK_DIR: root });
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/^8992-111\s+8992-111-T\s+4\/4 \(100%\)\s+–$/m);
		expect(r.stdout).toMatch(
			/8992-111-T\s+live\s+20\s+12\s+16\s+5 \(25%\)\s+5 \(25%\)\s+5 \(25%\)\s+5 \(25%\)\s+–\s+–\s+–\s+LO1 LO2 LO3 LO4\s+ok$/m
		);
	});
});

/** As cli(), without blocking the test worker (a `prepare` takes long enough for vitest's own messages to time out). */
function cliAsync(
	args: string[],
	env: NodeJS.ProcessEnv = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
			env: { ...process.env, ...NO_DB, ...env }
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.once('error', reject);
		child.once('close', (code) => resolve({ code, stdout, stderr }));
	});
}

describe('npm run cli -- results export', () => {
	it("prints the demo centre's released results as the centre's CSV; a bad date is refused", async () => {
		const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'exam-export-')) };
		try {
			expect((await cliAsync(['prepare'], env)).code).toBe(0);
			const r = await cliAsync(['results', 'export', '--centre-number', '900001'], env);
			expect(r.code, r.stderr).toBe(0);
			const lines = r.stdout
				.replace(/^\uFEFF/, '')
				.trim()
				.split('\r\n');
			expect(lines[0]).toBe(
				'Centre number,Candidate number,Surname,Forenames,Date of birth,Qualification,Unit,Paper,Sitting date,Status,Grade,Total,Codes,Result version'
			);
			// The demo's released sitting (six candidates of 8992-112-A, the absentee and the voided
			// attempt without a grade) and the released result kept for reviews of marking (0006).
			const rows = lines
				.slice(1)
				.map((l) => l.split(',').slice(1, 2).concat(l.split(',').slice(9, 11)).join(' '));
			expect(rows.filter((r) => r.startsWith('01'))).toEqual([
				'0101 Graded First Class Pass',
				'0102 Graded Pass',
				'0103 Graded Fail',
				'0104 Graded Fail',
				'0105 Absent ',
				'0106 Void '
			]);
			expect(rows.filter((r) => !r.startsWith('01'))).toEqual(['0006 Graded Fail']);
			const none = await cliAsync(
				['results', 'export', '--centre-number', '900001', '--to', '2020-01-01'],
				env
			);
			expect(
				none.stdout
					.replace(/^\uFEFF/, '')
					.trim()
					.split('\r\n')
			).toHaveLength(1);
			const bad = await cliAsync(
				['results', 'export', '--centre-number', '900001', '--from', '2026-02-30'],
				env
			);
			expect(bad.code).toBe(1);
			expect(bad.stderr).toContain('Enter the "from" date as a real date');
		} finally {
			rmSync(env.DATA_DIR, { recursive: true, force: true });
		}
	}, 240_000);
});
