import type { Kysely } from 'kysely';

import type { QuestionPaper } from '../../domain/question-paper.js';
import { getMarkingGrid } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { hasNul } from '../validation.js';

/*
 * Practice papers (issue 15 item 5): centres see every practice paper with its marking grid. A live
 * paper or its grid is never reachable from here: a live paper's code is "not found".
 */

export interface PracticePaperSummary {
	code: string;
	unit: string;
	title: string;
	totalMarks: number;
	durationMinutes: number;
	readingMinutes: number;
}

/** Every practice paper's current version, by code. */
export async function listPracticePapers(db: Kysely<Database>): Promise<PracticePaperSummary[]> {
	return db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select([
			'p.code',
			'p.unit_code as unit',
			'v.title',
			'v.total_marks as totalMarks',
			'v.duration_minutes as durationMinutes',
			'v.reading_minutes as readingMinutes'
		])
		.where('p.kind', '=', 'practice')
		.orderBy('p.code')
		.execute();
}

export interface PracticePaperView {
	code: string;
	version: number;
	title: string;
	totalMarks: number;
	pass: number;
	firstClass: number;
	paper: QuestionPaper;
	items: Awaited<ReturnType<typeof getMarkingGrid>>['items'];
}

/**
 * A practice paper as a centre sees it: the question paper (case study, questions, marks), its
 * marking grid item by item, and its boundaries. A live paper's code (or anything else) is "not
 * found", the same answer as for a code that names nothing, so a centre learns nothing of it.
 */
export async function getPracticePaper(
	db: Kysely<Database>,
	code: string
): Promise<PracticePaperView> {
	const notFound = new NotFoundError('No such practice paper');
	if (code.length === 0 || code.length > 100 || hasNul(code)) throw notFound;
	const p = await db
		.selectFrom('paper as p')
		.innerJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select(['v.total_marks', 'v.pass_mark', 'v.first_class_mark'])
		.where('p.code', '=', code)
		.where('p.kind', '=', 'practice')
		.executeTakeFirst();
	if (!p) throw notFound;
	const grid = await getMarkingGrid(db, code);
	return {
		code: grid.code,
		version: grid.version,
		title: grid.title,
		totalMarks: p.total_marks,
		pass: p.pass_mark,
		firstClass: p.first_class_mark,
		paper: grid.paper,
		items: grid.items
	};
}
