import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AREA_CODES, areasForLevel, type Level } from '../lib/domain/codes.js';
import { paperCoverage } from '../lib/domain/paper.js';
import { applyResultRules, parseMarks, resultInputFor } from '../lib/domain/results.js';
import { SYSTEM_ACTOR } from '../lib/server/audit/index.js';
import { importBank, type ImportSummary } from '../lib/server/bank/import.js';
import { formatProblem, loadBank, type Bank } from '../lib/server/bank/load.js';
import type { DatabaseHandle } from '../lib/server/db/index.js';

export const BANK_DIR = process.env.BANK_DIR || 'questions';

/** The coverage table `bank check` prints: one row per paper. */
export function coverageTable(bank: Bank): string[] {
	const header = ['paper', 'kind', 'marks', 'pass', 'first', ...AREA_CODES, 'outcomes'];
	const rows = bank.papers.map(({ paper, unit }) => {
		const c = paperCoverage(paper, unit);
		const valid = areasForLevel(unit.level as Level);
		return [
			paper.code,
			paper.kind,
			String(c.total),
			String(paper.boundaries.pass),
			String(paper.boundaries.first_class),
			...AREA_CODES.map((a) => (valid.includes(a) ? `${c.byArea[a] ?? 0} (${Math.round(((c.byArea[a] ?? 0) / c.total) * 100)}%)` : '–')),
			c.outcomes.map((o) => (o.covered ? o.id : `!${o.id}`)).join(' ')
		];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const fmt = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
	return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

export function bankCheck(dir = BANK_DIR, log = console.log): number {
	const bank = loadBank(resolve(dir));
	for (const line of coverageTable(bank)) log(line);
	log('');
	if (bank.problems.length) {
		for (const p of bank.problems) console.error(formatProblem(p));
		console.error(`\nbank check: ${bank.problems.length} problem(s) in ${bank.badFiles.size} file(s); ${bank.papers.length} paper(s) clean.`);
		return 1;
	}
	log(`bank check: ${bank.units.size} units and ${bank.papers.length} papers, no problems.`);
	return 0;
}

export function describeImport(s: ImportSummary): string {
	const parts = [
		s.papersCreated.length ? `${s.papersCreated.length} new paper(s)` : '',
		s.newVersions.length ? `${s.newVersions.length} new version(s) (${s.newVersions.map((v) => `${v.code} v${v.version}`).join(', ')})` : '',
		`${s.unchanged.length} unchanged`,
		s.unitsChanged.length ? `${s.unitsChanged.length} unit(s) updated` : ''
	].filter(Boolean);
	return `Question bank: ${parts.join(', ')}.`;
}

/** Imports the good files; returns the bank so callers can report problems in the bad ones. */
export async function bankImport(h: DatabaseHandle, dir = BANK_DIR, log = console.log): Promise<Bank> {
	const bank = loadBank(resolve(dir));
	const summary = await importBank(h.db, bank, SYSTEM_ACTOR);
	log(describeImport(summary));
	for (const p of bank.problems) console.error(`  not imported – ${formatProblem(p)}`);
	return bank;
}

/** `results explain --paper CODE --marks FILE`: one JSON line computed by applyResultRules. */
export function resultsExplain(paperCode: string, marksFile: string, dir = BANK_DIR): number {
	const bank = loadBank(resolve(dir));
	const found = bank.papers.find((p) => p.paper.code === paperCode);
	if (!found) {
		const bad = bank.problems.filter((p) => p.file.includes(paperCode));
		console.error(bad.length ? `Paper ${paperCode} has problems:\n${bad.map(formatProblem).join('\n')}` : `No paper ${paperCode} in ${dir}`);
		return 1;
	}
	let data: unknown;
	try {
		data = JSON.parse(readFileSync(marksFile, 'utf8'));
	} catch (err) {
		console.error(`Cannot read ${marksFile}: ${(err as Error).message}`);
		return 1;
	}
	const input = resultInputFor(found.paper, found.unit.level as Level);
	const parsed = parseMarks(data, input.items);
	if (!parsed.ok) {
		console.error(`${marksFile}: refused for paper ${paperCode}:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}`);
		return 1;
	}
	const outcome = applyResultRules(input, parsed.marks);
	console.log(JSON.stringify({ total: outcome.total, grade: outcome.grade, codes: outcome.codes }));
	return 0;
}
