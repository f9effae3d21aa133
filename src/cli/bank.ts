import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { coverageProblems, unitCoverage, type UnitCoverage } from '../lib/domain/bank-rules.js';
import { AREA_CODES, areasForLevel, type Level } from '../lib/domain/codes.js';
import { paperCoverage, type Paper } from '../lib/domain/paper.js';
import { applyResultRules, parseMarks, resultInputFor } from '../lib/domain/results.js';
import { count } from '../lib/domain/words.js';
import { SYSTEM_ACTOR } from '../lib/server/audit/index.js';
import { importBank, type ImportSummary } from '../lib/server/bank/import.js';
import { formatProblem, loadBank, paperContentHash, type Bank } from '../lib/server/bank/load.js';
import { getPaperVersion } from '../lib/server/bank/papers.js';
import {
	databaseConfigFromEnv,
	openPGlite,
	openPostgres,
	type DatabaseConfig,
	type DatabaseHandle
} from '../lib/server/db/index.js';
import { NotFoundError } from '../lib/server/errors.js';

export const BANK_DIR = process.env.BANK_DIR || 'questions';

/**
 * The coverage table `bank check` prints: one row per paper, in file order. Papers with problems
 * (that parsed and have a valid unit) get a row too, marked in the last column, so the table helps
 * fix them; `!LO3` marks an outcome no item assesses.
 */
export function coverageTable(bank: Bank): string[] {
	const header = ['paper', 'kind', 'marks', 'pass', 'first', ...AREA_CODES, 'outcomes', 'check'];
	const problemsIn = (file: string) => bank.problems.filter((p) => p.file === file).length;
	const entries = [
		...bank.papers.map((p) => ({ ...p, bad: false })),
		...bank.rejected.map((p) => ({ ...p, bad: true }))
	].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
	const rows = entries.map(({ file, paper, unit, bad }) => {
		const c = paperCoverage(paper, unit);
		const valid = areasForLevel(unit.level as Level);
		const share = (m: number) =>
			c.total > 0 ? `${m} (${Math.round((m / c.total) * 100)}%)` : String(m);
		const n = bad ? problemsIn(file) : 0;
		return [
			paper.code,
			paper.kind,
			String(c.total),
			String(paper.boundaries.pass),
			String(paper.boundaries.first_class),
			...AREA_CODES.map((a) => (valid.includes(a) ? share(c.byArea[a] ?? 0) : '–')),
			c.outcomes.map((o) => (o.covered ? o.id : `!${o.id}`)).join(' '),
			bad ? `NOT OK: ${n} problem${n === 1 ? '' : 's'}, listed below` : 'ok'
		];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const fmt = (r: string[]) =>
		r
			.map((cell, i) => cell.padEnd(widths[i]!))
			.join('  ')
			.trimEnd();
	return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/** Each unit's criterion coverage across its clean live papers, in unit-code order. */
export function bankCoverage(bank: Bank): UnitCoverage[] {
	const papers = bank.papers.map((p) => p.paper);
	return [...bank.units.values()]
		.map(({ unit }) => unitCoverage(unit, papers))
		.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}

/** The per-unit table `bank check` prints under the paper table: criteria assessed by live papers. */
export function unitCoverageTable(coverage: UnitCoverage[]): string[] {
	const header = ['unit', 'live papers', 'criteria assessed', 'not assessed'];
	const rows = coverage.map((c) => {
		const n = c.criteria.length - c.missing.length;
		return [
			c.unit,
			c.livePapers.join(' ') || '(none)',
			`${n}/${c.criteria.length} (${c.criteria.length ? Math.floor((n / c.criteria.length) * 100) : 100}%)`,
			c.missing.join(' ') || '–'
		];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const fmt = (r: string[]) =>
		r
			.map((cell, i) => cell.padEnd(widths[i]!))
			.join('  ')
			.trimEnd();
	return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/**
 * `bank check`: the paper table, then each unit's criterion coverage across its live papers. Fails
 * (1) on any file problem, and on any unit whose live papers leave a criterion unassessed (or a
 * live paper that leaves an outcome unassessed), naming the unit, the criteria and the papers.
 */
export function bankCheck(dir = BANK_DIR, log = console.log, error = console.error): number {
	const bank = loadBank(resolve(dir));
	for (const line of coverageTable(bank)) log(line);
	log('');
	const coverage = bankCoverage(bank);
	for (const line of unitCoverageTable(coverage)) log(line);
	log('');
	const gaps = coverage.flatMap(coverageProblems);
	if (bank.problems.length || gaps.length) {
		for (const p of bank.problems) error(formatProblem(p));
		for (const g of gaps) error(g);
		const short = coverage.filter((c) => coverageProblems(c).length > 0).length;
		error(
			`\nbank check: ${count(bank.problems.length, 'problem')} in ${count(bank.badFiles.size, 'file')}; ${count(bank.papers.length, 'paper')} clean; ` +
				`${count(short, 'unit')} short of full coverage by live papers.`
		);
		return 1;
	}
	log(
		`bank check: ${bank.units.size} units and ${bank.papers.length} papers, no problems; every criterion of every unit is assessed by a live paper.`
	);
	return 0;
}

export function describeImport(s: ImportSummary): string {
	const parts = [
		s.papersCreated.length ? count(s.papersCreated.length, 'new paper') : '',
		s.newVersions.length
			? `${count(s.newVersions.length, 'new version')} (${s.newVersions.map((v) => `${v.code} v${v.version}`).join(', ')})`
			: '',
		...s.reverted.map((r) => `${r.code} reverted to v${r.version}`),
		`${s.unchanged.length} unchanged`,
		s.unitsChanged.length ? `${count(s.unitsChanged.length, 'unit')} updated` : ''
	].filter(Boolean);
	return `Question bank: ${parts.join(', ')}.`;
}

/** Imports the good files; returns the bank so callers can report problems in the bad ones. */
export async function bankImport(
	h: DatabaseHandle,
	dir = BANK_DIR,
	log = console.log
): Promise<Bank> {
	const bank = loadBank(resolve(dir));
	const summary = await importBank(h.db, bank, SYSTEM_ACTOR);
	log(describeImport(summary));
	for (const p of bank.problems) console.error(`  not imported – ${formatProblem(p)}`);
	return bank;
}

/**
 * Opens the app's database for reading, or null when there is none to read: PostgreSQL when
 * DATABASE_URL is set; otherwise the embedded PGlite in DATA_DIR, only if it exists (nothing is
 * created). PGlite serves one process, so while the app holds it (its postmaster.pid is present) a
 * snapshot copy is opened instead, and the app's files are never touched.
 */
export async function openExistingDatabase(
	config: DatabaseConfig = databaseConfigFromEnv()
): Promise<DatabaseHandle | null> {
	if (config.databaseUrl) return openPostgres(config.databaseUrl, 1);
	if (!existsSync(join(config.dataDir, 'PG_VERSION'))) return null;
	if (!existsSync(join(config.dataDir, 'postmaster.pid'))) return openPGlite(config.dataDir);
	const copy = mkdtempSync(join(tmpdir(), 'exam-db-snapshot-'));
	cpSync(config.dataDir, copy, {
		recursive: true,
		filter: (src) => basename(src) !== 'postmaster.pid'
	});
	const h = await openPGlite(copy);
	return {
		...h,
		close: async () => {
			await h.close();
			rmSync(copy, { recursive: true, force: true });
		}
	};
}

interface Gradable {
	paper: Paper;
	level: Level;
	boundaries: { pass: number; firstClass: number };
}

/**
 * The paper as the app grades it: the stored current version (its content and its boundaries,
 * which administrators edit in the app) when the database has the paper; null when it has not, or
 * there is no database, or its schema is not there yet (never migrated, so nothing was imported).
 */
async function storedPaper(
	paperCode: string,
	open: () => Promise<DatabaseHandle | null>
): Promise<(Gradable & { version: number; contentHash: string }) | null> {
	let h: DatabaseHandle | null;
	try {
		h = await open();
	} catch (err) {
		console.error(
			`note: cannot open the database (${(err as Error).message}); grading with questions/ as it stands`
		);
		return null;
	}
	if (!h) return null;
	try {
		const v = await getPaperVersion(h.db, paperCode);
		return {
			paper: v.paper,
			level: v.unit.level as Level,
			boundaries: { pass: v.pass, firstClass: v.firstClass },
			version: v.version,
			contentHash: v.contentHash
		};
	} catch (err) {
		if (err instanceof NotFoundError || /relation .* does not exist/.test(String(err))) return null;
		console.error(
			`note: cannot read the database (${(err as Error).message}); grading with questions/ as it stands`
		);
		return null;
	} finally {
		await h.close();
	}
}

/**
 * `results explain --paper CODE --marks FILE`: one JSON line computed by applyResultRules.
 * When the paper has been imported into the database (DATABASE_URL, or the PGlite in DATA_DIR),
 * it is graded as the app grades it: with the stored current version and its current boundaries,
 * which may have been changed in the app since the YAML was written. Otherwise with questions/.
 * Which one was used is said on stderr; stdout holds only the JSON line.
 */
export async function resultsExplain(
	paperCode: string,
	marksFile: string,
	opts: { dir?: string; database?: () => Promise<DatabaseHandle | null> } = {}
): Promise<number> {
	const dir = opts.dir ?? BANK_DIR;
	const bank = loadBank(resolve(dir));
	const found = bank.papers.find((p) => p.paper.code === paperCode);
	let gradable: Gradable;
	const stored = await storedPaper(paperCode, opts.database ?? (() => openExistingDatabase()));
	if (stored) {
		gradable = stored;
		console.error(
			`note: graded with ${paperCode} v${stored.version} as stored in the database (boundaries: pass ${stored.boundaries.pass}, first class ${stored.boundaries.firstClass})`
		);
		if (found && paperContentHash(found.paper) !== stored.contentHash) {
			console.error(
				`note: ${found.file} differs from the stored version; run \`npm run cli -- bank import\` to import it`
			);
		}
	} else if (found) {
		gradable = {
			paper: found.paper,
			level: found.unit.level as Level,
			boundaries: {
				pass: found.paper.boundaries.pass,
				firstClass: found.paper.boundaries.first_class
			}
		};
	} else {
		const bad = bank.problems.filter((p) => p.file.includes(paperCode));
		console.error(
			bad.length
				? `Paper ${paperCode} has problems:\n${bad.map(formatProblem).join('\n')}`
				: `No paper ${paperCode} in ${dir}`
		);
		return 1;
	}
	let data: unknown;
	try {
		data = JSON.parse(readFileSync(marksFile, 'utf8'));
	} catch (err) {
		console.error(`Cannot read ${marksFile}: ${(err as Error).message}`);
		return 1;
	}
	const input = resultInputFor(gradable.paper, gradable.level, gradable.boundaries);
	const parsed = parseMarks(data, input.items);
	if (!parsed.ok) {
		console.error(
			`${marksFile}: refused for paper ${paperCode}:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}`
		);
		return 1;
	}
	const outcome = applyResultRules(input, parsed.marks);
	console.log(JSON.stringify({ total: outcome.total, grade: outcome.grade, codes: outcome.codes }));
	return 0;
}
