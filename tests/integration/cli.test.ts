import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { paperItems } from '../../src/lib/domain/paper.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
	const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
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
		const file = marksFile({ marks: Object.fromEntries(items.map((i) => [i.key, { mark: i.marks, attempted: true, fk: false }])) });
		const r = cli(['results', 'explain', '--paper', '8992-113-A', '--marks', file]);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout.trim())).toEqual({ total: items.reduce((s, i) => s + i.marks, 0), grade: 'First Class Pass', codes: [] });
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
		const file = marksFile({ marks: { nope: { mark: 1 }, [items[0]!.key]: { mark: items[0]!.marks + 1 } } });
		const r = cli(['results', 'explain', '--paper', '8992-113-A', '--marks', file]);
		expect(r.code).toBe(1);
		expect(r.stdout).toBe('');
		expect(r.stderr).toContain('unknown question id "nope"');
		expect(r.stderr).toContain(`${items[0]!.key}: mark ${items[0]!.marks + 1} is above the maximum of ${items[0]!.marks}`);
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
	it('prints the coverage table for a clean bank', () => {
		const root = writeBank();
		const r = cli(['bank', 'check'], { BANK_DIR: root });
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/8992-111-T\s+practice\s+20\s+12\s+16\s+5 \(25%\)\s+5 \(25%\)\s+5 \(25%\)\s+5 \(25%\)\s+–\s+–\s+–\s+LO1 LO2 LO3 LO4/);
	});
});
