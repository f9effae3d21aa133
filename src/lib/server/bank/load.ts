import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';

import { checkPaper, checkUnit } from '../../domain/bank-rules.js';
import { paperSchema, unitSchema, type Paper, type Unit } from '../../domain/paper.js';
import { findUnstorableText } from '../validation.js';

export const UNSTORABLE_MESSAGE =
	'contains a character that cannot be stored (a NUL, or half of a UTF-16 surrogate pair such as \\ud800)';

/** A problem in one file of the bank, with the question it concerns when there is one. */
export interface FileProblem {
	file: string;
	question?: string;
	message: string;
}

export interface LoadedPaper {
	file: string;
	paper: Paper;
	unit: Unit;
	/** SHA-256 of the paper's content except its boundaries (boundaries are data, edited in the app). */
	contentHash: string;
}

export interface Bank {
	units: Map<string, { file: string; unit: Unit; contentHash: string }>;
	papers: LoadedPaper[];
	/** Papers that parsed and have a valid unit but broke a rule: never imported, still shown in the
	 *  coverage table of `bank check` so the table helps fix them. */
	rejected: { file: string; paper: Paper; unit: Unit }[];
	problems: FileProblem[];
	/** Files that had problems; nothing of them is imported. */
	badFiles: Set<string>;
}

export function formatProblem(p: FileProblem): string {
	return `${p.file}: ${p.question ? `question ${p.question}: ` : ''}${p.message}`;
}

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

export function hashContent(value: unknown): string {
	return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function paperContentHash(paper: Paper): string {
	const { boundaries: _boundaries, ...content } = paper;
	return hashContent(content);
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FileProblem[] };

/** Parses YAML then the schema; problems name the line (YAML) or the question (schema). */
function parseFile<S extends z.ZodType>(
	file: string,
	source: string,
	schema: S
): Parsed<z.output<S>> {
	const doc = parseDocument(source, { prettyErrors: true });
	if (doc.errors.length) {
		return {
			ok: false,
			problems: doc.errors.map((e) => ({
				file,
				message: `YAML error at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`
			}))
		};
	}
	const data: unknown = doc.toJS();
	// YAML's escapes can write a NUL or half a UTF-16 pair ("\ud800"), which no database column
	// holds: the import would fail on PostgreSQL's json (found by fuzzing the bank import).
	const unstorable = findUnstorableText(data);
	if (unstorable !== null)
		return { ok: false, problems: [{ file, message: `${unstorable}: ${UNSTORABLE_MESSAGE}` }] };
	const result = schema.safeParse(data);
	if (result.success) return { ok: true, value: result.data };
	return {
		ok: false,
		problems: result.error.issues.map((issue) => ({
			file,
			question: questionAt(data, issue.path),
			message: `${issue.path.join('.') || '(file)'}: ${issueMessage(issue)}`
		}))
	};
}

/** Zod's message, except an unknown key (a typo such as `guidence:`), which is named plainly. */
function issueMessage(issue: z.core.$ZodIssue): string {
	if (issue.code !== 'unrecognized_keys') return issue.message;
	const keys = issue.keys.map((k) => `"${k}"`).join(', ');
	return `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys} (misspelt, or not part of the format)`;
}

/** "7" or "7(b)" for a schema path inside sections[i].questions[j](.parts[k]). */
function questionAt(data: unknown, path: readonly PropertyKey[]): string | undefined {
	if (path[0] !== 'sections' || path[2] !== 'questions' || typeof path[3] !== 'number')
		return undefined;
	const d = data as { sections?: { questions?: { id?: unknown; parts?: { id?: unknown }[] }[] }[] };
	const q = d.sections?.[path[1] as number]?.questions?.[path[3]];
	if (!q) return undefined;
	const qid = String(q.id ?? `#${path[3] + 1}`);
	if (path[4] === 'parts' && typeof path[5] === 'number')
		return `${qid}(${String(q.parts?.[path[5]]?.id ?? `#${path[5] + 1}`)})`;
	return qid;
}

function yamlFiles(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
		.sort()
		.map((f) => join(dir, f));
}

/**
 * Reads and checks the whole bank under `root` (questions/). Every file is checked, so one run
 * shows every problem; files with problems are listed in badFiles and never imported.
 */
export function loadBank(
	root: string,
	display: (path: string) => string = (p) => relative(process.cwd(), p)
): Bank {
	const bank: Bank = {
		units: new Map(),
		papers: [],
		rejected: [],
		problems: [],
		badFiles: new Set()
	};
	const problem = (p: FileProblem) => {
		bank.problems.push(p);
		bank.badFiles.add(p.file);
	};

	for (const path of yamlFiles(join(root, 'units'))) {
		const file = display(path);
		const parsed = parseFile(file, readFileSync(path, 'utf8'), unitSchema);
		if (!parsed.ok) {
			parsed.problems.forEach(problem);
			continue;
		}
		const unit = parsed.value;
		const name = basename(path).replace(/\.ya?ml$/, '');
		if (name !== unit.unit)
			problem({ file, message: `file is named ${name} but holds unit ${unit.unit}` });
		const unitProblems = checkUnit(unit);
		unitProblems.forEach((p) => problem({ file, ...p }));
		if (bank.units.has(unit.unit)) problem({ file, message: `unit ${unit.unit} is defined twice` });
		if (!unitProblems.length && name === unit.unit)
			bank.units.set(unit.unit, { file, unit, contentHash: hashContent(unit) });
	}

	/** Paper code → the files that hold it (a code used twice is refused in every file using it). */
	const codes = new Map<string, string[]>();
	const folders = existsSync(root)
		? readdirSync(root)
				.filter((d) => d !== 'units' && statSync(join(root, d)).isDirectory())
				.sort()
		: [];
	for (const folder of folders) {
		for (const path of yamlFiles(join(root, folder))) {
			const file = display(path);
			const parsed = parseFile(file, readFileSync(path, 'utf8'), paperSchema);
			if (!parsed.ok) {
				parsed.problems.forEach(problem);
				continue;
			}
			const paper = parsed.value;
			const before = bank.problems.length;
			const name = basename(path).replace(/\.ya?ml$/, '');
			if (name !== paper.code)
				problem({ file, message: `file is named ${name} but holds paper ${paper.code}` });
			if (folder !== paper.unit)
				problem({ file, message: `paper of unit ${paper.unit} is in folder ${folder}` });
			codes.set(paper.code, [...(codes.get(paper.code) ?? []), file]);
			const unit = bank.units.get(paper.unit)?.unit;
			if (!unit) {
				problem({
					file,
					message: `unit ${paper.unit} has no valid unit file (questions/units/${paper.unit}.yaml)`
				});
				continue;
			}
			checkPaper(paper, unit).forEach((p) => problem({ file, ...p }));
			if (bank.problems.length === before)
				bank.papers.push({ file, paper, unit, contentHash: paperContentHash(paper) });
			else bank.rejected.push({ file, paper, unit });
		}
	}
	// A duplicate code: neither file is imported (which one is meant is not ours to guess), and each
	// file's problem names the other(s).
	for (const [code, files] of codes) {
		if (files.length < 2) continue;
		for (const file of files)
			problem({
				file,
				message: `paper code ${code} is also used by ${files.filter((f) => f !== file).join(', ')}; no file with this code is imported`
			});
		for (const p of bank.papers)
			if (p.paper.code === code) bank.rejected.push({ file: p.file, paper: p.paper, unit: p.unit });
		bank.papers = bank.papers.filter((p) => p.paper.code !== code);
	}
	return bank;
}
