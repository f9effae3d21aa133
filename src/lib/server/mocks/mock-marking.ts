import type { Kysely } from 'kysely';
import { z } from 'zod';

import type { AttemptState } from '../../domain/attempt.js';
import type { AreaCode } from '../../domain/codes.js';
import { gridView, judgeAward } from '../../domain/grid.js';
import { commentProblem, typedMark } from '../../domain/marking-work.js';
import { blankAnswerRefusal } from '../../domain/marking.js';
import { MOCK_LABEL, mockTotal, type MockTotal } from '../../domain/mock.js';
import { paperItems, type Grid } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { getPaperContent } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';

/*
 * Mocks (issue 15 item 5): a centre's mock sitting of a practice paper is marked by the centre's own
 * administrators against that paper's grid, in `mock_mark`, never in `mark`: no script, marker,
 * second marking or result comes of it. A live sitting's answers are never reachable from here:
 * every read checks the sitting is a mock of this centre, else "not found".
 */

interface MockSittingRow {
	id: string;
	paperVersionId: string;
	paperCode: string;
	paperTitle: string;
	scheduledAt: Date;
	room: string;
	state: string;
	pass: number;
	firstClass: number;
}

/** A mock sitting of this centre, or "not found" (a live sitting, another centre's, no such id). */
async function mockSittingRow(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string
): Promise<MockSittingRow> {
	if (!isUuid(centreId) || !isUuid(sittingId)) throw new NotFoundError('No such mock sitting');
	const s = await db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			's.id',
			's.paper_version_id as paperVersionId',
			'p.code as paperCode',
			'v.title as paperTitle',
			's.scheduled_at as scheduledAt',
			's.room',
			's.state',
			'v.pass_mark as pass',
			'v.first_class_mark as firstClass'
		])
		.where('s.id', '=', sittingId)
		.where('s.centre_id', '=', centreId)
		.where('s.purpose', '=', 'mock')
		// A mock books only a practice paper; checked again so a live paper's grid can never show here.
		.where('p.kind', '=', 'practice')
		.executeTakeFirst();
	if (!s) throw new NotFoundError('No such mock sitting');
	return s;
}

/** The sitting as a page shows it (the paper version's id stays on the server). */
function shown(s: MockSittingRow): Omit<MockSittingRow, 'paperVersionId'> {
	return {
		id: s.id,
		paperCode: s.paperCode,
		paperTitle: s.paperTitle,
		scheduledAt: s.scheduledAt,
		room: s.room,
		state: s.state,
		pass: s.pass,
		firstClass: s.firstClass
	};
}

/** The latest mock mark per item of these attempts (append-only: the newest row counts). */
async function latestMockMarks(db: Kysely<Database>, attemptIds: readonly string[]) {
	if (attemptIds.length === 0) return [];
	return db
		.selectFrom('mock_mark as m')
		.innerJoin('app_user as u', 'u.id', 'm.marked_by')
		.select([
			'm.attempt_id',
			'm.item_key',
			'm.mark',
			'm.comment',
			'm.created_at',
			'u.display_name as markedBy'
		])
		.where('m.attempt_id', 'in', attemptIds)
		.distinctOn(['m.attempt_id', 'm.item_key'])
		.orderBy('m.attempt_id')
		.orderBy('m.item_key')
		.orderBy('m.id', 'desc')
		.execute();
}

export interface MockCandidateRow {
	attemptId: string;
	candidateNumber: string;
	firstName: string;
	lastName: string;
	state: AttemptState;
	/** Only a submitted attempt has answers to mark. */
	markable: boolean;
	result: MockTotal;
}

export interface MockSittingView {
	sitting: Omit<MockSittingRow, 'paperVersionId'>;
	label: typeof MOCK_LABEL;
	candidates: MockCandidateRow[];
}

/** A mock sitting of this centre with each candidate's marking so far, total and indicative grade. */
export async function getMockSitting(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string
): Promise<MockSittingView> {
	const s = await mockSittingRow(db, centreId, sittingId);
	const items = paperItems(await getPaperContent(db, s.paperVersionId));
	const attempts = await db
		.selectFrom('attempt as a')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select(['a.id', 'a.state', 'c.candidate_number', 'c.first_name', 'c.last_name'])
		.where('a.sitting_id', '=', s.id)
		.orderBy('c.candidate_number')
		.execute();
	const marks = await latestMockMarks(
		db,
		attempts.map((a) => a.id)
	);
	const sitting = shown(s);
	return {
		sitting,
		label: MOCK_LABEL,
		candidates: attempts.map((a) => {
			const own = new Map(
				marks.filter((m) => m.attempt_id === a.id).map((m) => [m.item_key, m.mark])
			);
			return {
				attemptId: a.id,
				candidateNumber: a.candidate_number,
				firstName: a.first_name,
				lastName: a.last_name,
				state: a.state,
				markable: a.state === 'submitted',
				result: mockTotal(
					items.map((i) => ({ key: i.key, maxMarks: i.marks, mark: own.get(i.key) ?? null })),
					{ pass: s.pass, firstClass: s.firstClass }
				)
			};
		})
	};
}

export interface MockScriptItem {
	key: string;
	label: string;
	questionStem: string | null;
	stem: string;
	marks: number;
	area: AreaCode;
	grid: Grid;
	answer: string | null;
	mark: { mark: number; comment: string | null; markedBy: string; markedAt: Date } | null;
}

export interface MockScriptView {
	sitting: Omit<MockSittingRow, 'paperVersionId'>;
	label: typeof MOCK_LABEL;
	candidate: { attemptId: string; candidateNumber: string; firstName: string; lastName: string };
	caseStudy: string | null;
	items: MockScriptItem[];
	result: MockTotal;
}

/** A submitted attempt of this centre's mock sitting (anything else is "not found"). */
async function mockAttempt(db: Kysely<Database>, sittingId: string, attemptId: string) {
	if (!isUuid(attemptId)) throw new NotFoundError('No such candidate in this mock');
	const a = await db
		.selectFrom('attempt as a')
		.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
		.select(['a.id', 'a.state', 'c.candidate_number', 'c.first_name', 'c.last_name'])
		.where('a.id', '=', attemptId)
		.where('a.sitting_id', '=', sittingId)
		.executeTakeFirst();
	if (!a) throw new NotFoundError('No such candidate in this mock');
	return a;
}

/**
 * One candidate's mock, for the centre to mark: each item's question, the candidate's answer, the
 * practice paper's grid and the latest mark (who gave it and when), with the total and the
 * indicative grade. Only a submitted attempt has a script to mark.
 */
export async function getMockScript(
	db: Kysely<Database>,
	centreId: string,
	sittingId: string,
	attemptId: string
): Promise<MockScriptView> {
	const s = await mockSittingRow(db, centreId, sittingId);
	const a = await mockAttempt(db, s.id, attemptId);
	if (a.state !== 'submitted')
		throw new ConflictError(
			`Only a submitted exam can be marked (this one is ${a.state.replace('_', ' ')})`
		);
	const paper = await getPaperContent(db, s.paperVersionId);
	const questionStems = new Map(
		paper.sections.flatMap((sec) => sec.questions.map((q) => [q.id, q.stem] as const))
	);
	const answers = new Map(
		(
			await db
				.selectFrom('response')
				.select(['item_key', 'text'])
				.where('attempt_id', '=', a.id)
				.execute()
		).map((r) => [r.item_key, r.text])
	);
	const marks = new Map((await latestMockMarks(db, [a.id])).map((m) => [m.item_key, m]));
	const items: MockScriptItem[] = paperItems(paper).map((i) => {
		const m = marks.get(i.key);
		const answer = answers.get(i.key);
		return {
			key: i.key,
			label: i.label,
			questionStem: i.partId ? (questionStems.get(i.questionId) ?? null) : null,
			stem: i.stem,
			marks: i.marks,
			area: i.area,
			grid: i.grid,
			answer: answer && answer.trim() !== '' ? answer : null,
			mark: m
				? { mark: m.mark, comment: m.comment, markedBy: m.markedBy, markedAt: m.created_at }
				: null
		};
	});
	const sitting = shown(s);
	return {
		sitting,
		label: MOCK_LABEL,
		candidate: {
			attemptId: a.id,
			candidateNumber: a.candidate_number,
			firstName: a.first_name,
			lastName: a.last_name
		},
		caseStudy: paper.case_study ?? null,
		items,
		result: mockTotal(
			items.map((i) => ({ key: i.key, maxMarks: i.marks, mark: i.mark?.mark ?? null })),
			{ pass: s.pass, firstClass: s.firstClass }
		)
	};
}

/** A mark as the centre's form sends it. */
export const mockMarkSchema = z.object({
	item: z.string().min(1, 'Choose a question').max(20, 'Choose a question'),
	mark: z.string().max(20, 'Type a whole number'),
	comment: z.string().max(10_000).default('')
});

/**
 * Records the centre's mark for one item of a mock attempt: the grid decides (judgeAward, as on the
 * awarding body's marking screen), so a mark above the item's marks or outside every level is
 * refused with the grid's reason and nothing is written. Appended to `mock_mark` with who and
 * when, and audited. The attempt's row is share-locked so a void or reinstatement at the same
 * moment waits for the mark (and the mark sees the attempt's state after it). Returns the mark.
 */
export async function recordMockMark(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	sittingId: string,
	attemptId: string,
	input: unknown
): Promise<{ itemKey: string; mark: number }> {
	if (!actor.userId) throw new ValidationError('Only a signed-in member of staff can mark');
	if (!isUuid(attemptId)) throw new NotFoundError('No such candidate in this mock');
	const f = parse(mockMarkSchema, input);
	const s = await mockSittingRow(db, centreId, sittingId);
	const paper = await getPaperContent(db, s.paperVersionId);
	const item = paperItems(paper).find((i) => i.key === f.item);
	if (!item)
		throw new ValidationError('Choose a question of this paper', [
			{ field: 'item', message: 'No such question' }
		]);
	const field = `mark_${item.key}`;
	const typed = typedMark(f.mark);
	if (typed === null)
		throw new ValidationError(`Question ${item.label}: type a mark`, [
			{ field, message: 'Type a mark' }
		]);
	const judged = judgeAward(gridView(item.grid, item.marks), { kind: 'mark', mark: typed });
	if (!judged.ok)
		throw new ValidationError(`Question ${item.label}: ${judged.reason}`, [
			{ field, message: judged.reason }
		]);
	const comment = f.comment.trim();
	const problem = commentProblem(comment);
	if (problem)
		throw new ValidationError(`Question ${item.label}: ${problem}`, [
			{ field: `comment_${item.key}`, message: problem }
		]);
	return db.transaction().execute(async (tx) => {
		const a = await tx
			.selectFrom('attempt as a')
			.innerJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select(['a.id', 'a.state', 'c.candidate_number'])
			.where('a.id', '=', attemptId)
			.where('a.sitting_id', '=', s.id)
			.forShare('a')
			.executeTakeFirst();
		if (!a) throw new NotFoundError('No such candidate in this mock');
		if (a.state !== 'submitted')
			throw new ConflictError(
				`Only a submitted exam can be marked (this one is ${a.state.replace('_', ' ')})`
			);
		const response = await tx
			.selectFrom('response')
			.select('text')
			.where('attempt_id', '=', a.id)
			.where('item_key', '=', item.key)
			.executeTakeFirst();
		const blank = blankAnswerRefusal(judged.mark, response?.text, item.label);
		if (blank) throw new ValidationError(blank, [{ field, message: blank }]);
		await tx
			.insertInto('mock_mark')
			.values({
				attempt_id: a.id,
				item_key: item.key,
				mark: judged.mark,
				comment: comment || null,
				marked_by: actor.userId!
			})
			.execute();
		await writeAudit(tx, actor, {
			action: 'mock.mark',
			centreId,
			subjectType: 'attempt',
			subjectId: a.id,
			details: {
				sitting: s.id,
				paper: s.paperCode,
				candidate_number: a.candidate_number,
				item: item.key,
				mark: judged.mark
			}
		});
		return { itemKey: item.key, mark: judged.mark };
	});
}
