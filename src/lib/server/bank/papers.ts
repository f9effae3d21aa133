import type { Kysely } from 'kysely';

import {
	paperCoverage,
	paperItems,
	paperSchema,
	unitSchema,
	type Coverage,
	type Paper,
	type Unit
} from '../../domain/paper.js';
import { questionPaperOf } from '../../domain/question-paper.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { hasNul, isUuid } from '../validation.js';

export interface PaperSummary {
	code: string;
	unit: string;
	level: number;
	kind: 'live' | 'practice';
	title: string;
	version: number;
	versions: number;
	totalMarks: number;
	pass: number;
	firstClass: number;
	coverage: Coverage;
}

export interface PaperVersionView {
	versionId: string;
	code: string;
	version: number;
	contentHash: string;
	paper: Paper;
	unit: Unit;
	totalMarks: number;
	pass: number;
	firstClass: number;
	locked: boolean;
	importedAt: Date;
}

async function unitByCode(
	db: Kysely<Database>,
	code: string
): Promise<{ unit: Unit; level: number }> {
	const row = await db
		.selectFrom('unit')
		.select(['content', 'level'])
		.where('code', '=', code)
		.executeTakeFirstOrThrow();
	return { unit: unitSchema.parse(row.content), level: row.level };
}

export async function listPapers(db: Kysely<Database>): Promise<PaperSummary[]> {
	const rows = await db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select([
			'p.id',
			'p.code',
			'p.unit_code',
			'p.kind',
			'v.title',
			'v.version',
			'v.content',
			'v.total_marks',
			'v.pass_mark',
			'v.first_class_mark',
			(eb) =>
				eb
					.selectFrom('paper_version as pv')
					.select(eb.fn.countAll<number>().as('n'))
					.whereRef('pv.paper_id', '=', 'p.id')
					.as('versions')
		])
		.orderBy('p.code')
		.execute();
	const units = new Map<string, { unit: Unit; level: number }>();
	const out: PaperSummary[] = [];
	for (const r of rows) {
		if (!units.has(r.unit_code)) units.set(r.unit_code, await unitByCode(db, r.unit_code));
		const u = units.get(r.unit_code)!;
		out.push({
			code: r.code,
			unit: r.unit_code,
			level: u.level,
			kind: r.kind,
			title: r.title,
			version: r.version,
			versions: Number(r.versions),
			totalMarks: r.total_marks,
			pass: r.pass_mark,
			firstClass: r.first_class_mark,
			coverage: paperCoverage(paperSchema.parse(r.content), u.unit)
		});
	}
	return out;
}

/**
 * A paper code as it may come from a URL. Codes look like 8992-111-A, but one that is merely unusual
 * finds nothing (404); only text PostgreSQL refuses outright (a NUL byte: 22021, a 500) or an
 * absurd length is stopped before the query.
 */
function isLookupCode(code: string): boolean {
	return code.length > 0 && code.length <= 100 && !hasNul(code);
}

/** A paper version's row with its paper's code and unit: what getPaperVersion and its by-id twin read. */
function paperVersionQuery(db: Kysely<Database>) {
	return db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.paper_id', 'p.id')
		.select([
			'v.id',
			'p.code',
			'p.unit_code',
			'v.version',
			'v.content_hash',
			'v.content',
			'v.total_marks',
			'v.pass_mark',
			'v.first_class_mark',
			'v.boundaries_locked_at',
			'v.imported_at'
		]);
}

/** The current version of a paper by code, or a given version number. */
export async function getPaperVersion(
	db: Kysely<Database>,
	code: string,
	version?: number
): Promise<PaperVersionView> {
	// A version number beyond PostgreSQL's integer would fail the query (22003) rather than find nothing.
	if (
		!isLookupCode(code) ||
		(version !== undefined &&
			!(Number.isInteger(version) && version >= 1 && version <= 2 ** 31 - 1))
	) {
		throw new NotFoundError('No such paper');
	}
	let q = paperVersionQuery(db).where('p.code', '=', code);
	q =
		version === undefined
			? q.whereRef('v.id', '=', 'p.current_version_id')
			: q.where('v.version', '=', version);
	const r = await q.executeTakeFirst();
	if (!r) throw new NotFoundError(`No paper ${code}${version ? ` version ${version}` : ''}`);
	return toView(db, r);
}

/**
 * A paper version's content, parsed. Content never changes once imported (an edited paper becomes a
 * new version; only the boundary columns are updatable), so each process keeps what it has parsed:
 * the exam page of 2,000 candidates starting together then reads and validates the paper once, not
 * 2,000 times. Correctness never depends on this cache; it only saves work.
 */
const parsedContent = new Map<string, { paper: Paper; itemKeys: ReadonlySet<string> }>();
const PARSED_CONTENT_MAX = 200;

async function parsedVersion(db: Kysely<Database>, versionId: string) {
	const cached = parsedContent.get(versionId);
	if (cached) return cached;
	if (!isUuid(versionId)) throw new NotFoundError('No such paper version');
	const r = await db
		.selectFrom('paper_version')
		.select('content')
		.where('id', '=', versionId)
		.executeTakeFirst();
	if (!r) throw new NotFoundError('No such paper version');
	const paper = paperSchema.parse(r.content);
	const entry = { paper, itemKeys: new Set(paperItems(paper).map((i) => i.key)) };
	if (parsedContent.size >= PARSED_CONTENT_MAX)
		parsedContent.delete(parsedContent.keys().next().value!);
	parsedContent.set(versionId, entry);
	return entry;
}

export async function getPaperContent(db: Kysely<Database>, versionId: string): Promise<Paper> {
	return (await parsedVersion(db, versionId)).paper;
}

/** The item keys ("3", "7.a") a paper version has: the questions an answer may be saved to. */
export async function getPaperItemKeys(
	db: Kysely<Database>,
	versionId: string
): Promise<ReadonlySet<string>> {
	return (await parsedVersion(db, versionId)).itemKeys;
}

async function toView(
	db: Kysely<Database>,
	r: {
		id: string;
		code: string;
		unit_code: string;
		version: number;
		content_hash: string;
		content: unknown;
		total_marks: number;
		pass_mark: number;
		first_class_mark: number;
		boundaries_locked_at: Date | null;
		imported_at: Date;
	}
): Promise<PaperVersionView> {
	return {
		versionId: r.id,
		code: r.code,
		version: r.version,
		contentHash: r.content_hash,
		paper: paperSchema.parse(r.content),
		unit: (await unitByCode(db, r.unit_code)).unit,
		totalMarks: r.total_marks,
		pass: r.pass_mark,
		firstClass: r.first_class_mark,
		locked: r.boundaries_locked_at !== null,
		importedAt: r.imported_at
	};
}

export async function listVersions(db: Kysely<Database>, code: string) {
	if (!isLookupCode(code)) return [];
	return db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.paper_id', 'p.id')
		.select([
			'v.version',
			'v.content_hash',
			'v.imported_at',
			'v.pass_mark',
			'v.first_class_mark',
			'v.boundaries_locked_at'
		])
		.where('p.code', '=', code)
		.orderBy('v.version', 'desc')
		.execute();
}

/** A paper's marking grid as markers see it: each item with its grid and its criteria written out. */
export async function getMarkingGrid(db: Kysely<Database>, code: string) {
	const v = await getPaperVersion(db, code);
	const criteria = new Map(
		v.unit.outcomes.flatMap((o) => o.criteria.map((c) => [c.id, c.text] as const))
	);
	return {
		code: v.code,
		version: v.version,
		title: v.paper.title,
		items: paperItems(v.paper).map((i) => ({
			...i,
			criteriaText: i.criteria.map((c) => `${c} ${criteria.get(c) ?? ''}`)
		})),
		// The question paper as candidates see it (case study, questions; no grid, no boundaries), for
		// markers to read beside the grid. Never anything about a candidate.
		paper: questionPaperOf(v.paper)
	};
}
