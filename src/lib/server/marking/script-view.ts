import type { Kysely } from 'kysely';

import { gridView, type GridAward, type GridView } from '../../domain/grid.js';
import { authorityOf, isAttempted } from '../../domain/marking.js';
import { paperItems } from '../../domain/paper.js';
import { getPaperContent } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { scriptAnswers } from '../scripts/store.js';
import { isUuid } from '../validation.js';
import { ownMarks } from './marks.js';
import { liveMarkingGate } from './routing.js';

/*
 * A script as its marker sees it on the marking screen: the script number, the paper, and for each
 * item the marker holds, the question, the grid, the candidate's answer and the marker's own latest
 * mark. Built field by field: nothing about the candidate, the centre, the room or the attempt, and
 * no one else's marks (a second marker marks blind), nor why the script is theirs.
 */

export interface MarkingItem {
	allocationId: string;
	key: string;
	label: string;
	/** The question's own stem when the item is a part of it (the scenario the part belongs to). */
	questionStem: string | null;
	stem: string;
	marks: number;
	grid: GridView;
	/** The candidate's stored answer, or null when they wrote nothing (not attempted). */
	answer: string | null;
	attempted: boolean;
	own: { mark: number; fk: boolean; comment: string | null; award: GridAward | null } | null;
}

export interface MarkingScript {
	scriptId: string;
	scriptNumber: string;
	/** The paper's id: "Save and next" after the script's last item asks for the next script of it. */
	paperId: string;
	paper: { code: string; title: string; caseStudy: string | null };
	/** Live marking is closed to this marker: the reason, and no items. */
	closed: string | null;
	items: MarkingItem[];
	total: number;
	maxTotal: number;
	markedItems: number;
}

/**
 * The marker's view of a script, or NotFoundError when they hold no work on it: a script that is not
 * theirs, or does not exist, or whose attempt was voided, all look the same.
 */
export async function scriptForMarker(
	db: Kysely<Database>,
	markerId: string,
	scriptId: string
): Promise<MarkingScript> {
	if (!isUuid(scriptId) || !isUuid(markerId)) throw new NotFoundError('No such script');
	const held = await db
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
		.select([
			'a.id',
			'a.item_key',
			'a.purpose',
			'sc.script_number',
			'sc.paper_version_id',
			'v.paper_id'
		])
		.where('a.script_id', '=', scriptId)
		.where('a.marker_id', '=', markerId)
		.where('a.withdrawn_at', 'is', null)
		.where('at.state', '=', 'submitted')
		.orderBy('a.allocated_at')
		.execute();
	if (held.length === 0) throw new NotFoundError('No such script');
	const first = held[0]!;
	const paper = await getPaperContent(db, first.paper_version_id);
	const base = {
		scriptId,
		scriptNumber: first.script_number,
		paperId: first.paper_id,
		paper: { code: paper.code, title: paper.title, caseStudy: paper.case_study ?? null }
	};
	const gate = await liveMarkingGate(db, markerId, first.paper_id);
	const mine = gate.open ? held : held.filter((h) => h.purpose === 'seed');
	if (mine.length === 0)
		return {
			...base,
			closed: gate.reason ?? 'Live marking is closed to you for now.',
			items: [],
			total: 0,
			maxTotal: 0,
			markedItems: 0
		};

	const answers = await scriptAnswers(db, scriptId);
	const marksBy = new Map<string, Awaited<ReturnType<typeof ownMarks>>>();
	for (const purpose of new Set(mine.map((h) => h.purpose)))
		marksBy.set(purpose, await ownMarks(db, scriptId, markerId, authorityOf(purpose)));
	const questionStems = new Map(
		paper.sections.flatMap((s) => s.questions.map((q) => [q.id, q.stem] as const))
	);
	const items: MarkingItem[] = [];
	for (const item of paperItems(paper)) {
		const h = mine.find((x) => x.item_key === item.key);
		if (!h) continue;
		const answer = answers.get(item.key) ?? null;
		const own = marksBy.get(h.purpose)!.get(item.key);
		items.push({
			allocationId: h.id,
			key: item.key,
			label: item.label,
			questionStem: item.partId ? (questionStems.get(item.questionId) ?? null) : null,
			stem: item.stem,
			marks: item.marks,
			grid: gridView(item.grid, item.marks),
			answer: isAttempted(answer) ? answer : null,
			attempted: isAttempted(answer),
			own: own
				? {
						mark: own.mark,
						fk: own.fk,
						comment: own.comment,
						award: (own.award as GridAward | null) ?? null
					}
				: null
		});
	}
	return {
		...base,
		closed: null,
		items,
		total: items.reduce((s, i) => s + (i.own?.mark ?? 0), 0),
		maxTotal: items.reduce((s, i) => s + i.marks, 0),
		markedItems: items.filter((i) => i.own).length
	};
}
