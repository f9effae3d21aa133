import {
	latestMarks,
	type AllocationPurpose,
	type MarkAuthority,
	type MarkingSettings
} from '../../domain/marking.js';
import { settingsFrom } from '../../domain/standardisation.js';
import type { Db } from '../db/index.js';
import { NotFoundError } from '../errors.js';
import { scriptAnswers } from '../scripts/store.js';

/*
 * What second marking, moderation and standardisation share: a paper's settings, a script's paper
 * and items, a script's totals under an authority, and handing a whole script to a person.
 */

export async function paperSettings(db: Db, paperId: string): Promise<MarkingSettings> {
	const row = await db
		.selectFrom('marking_settings')
		.selectAll()
		.where('paper_id', '=', paperId)
		.executeTakeFirst();
	return settingsFrom(row);
}

export interface ScriptPaper {
	scriptId: string;
	scriptNumber: string;
	kind: 'live' | 'seed';
	paperVersionId: string;
	paperId: string;
	paperCode: string;
	pass: number;
	firstClass: number;
}

export async function scriptPaper(db: Db, scriptId: string): Promise<ScriptPaper> {
	const row = await db
		.selectFrom('script as sc')
		.innerJoin('paper_version as pv', 'pv.id', 'sc.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'pv.paper_id')
		.select([
			'sc.id as scriptId',
			'sc.script_number as scriptNumber',
			'sc.kind',
			'pv.id as paperVersionId',
			'p.id as paperId',
			'p.code as paperCode',
			'pv.pass_mark as pass',
			'pv.first_class_mark as firstClass'
		])
		.where('sc.id', '=', scriptId)
		.executeTakeFirst();
	if (!row) throw new NotFoundError('No such script');
	return row;
}

export interface ScriptItem {
	itemKey: string;
	label: string;
	maxMarks: number;
}

export async function paperItems(db: Db, paperVersionId: string): Promise<ScriptItem[]> {
	return db
		.selectFrom('paper_item')
		.select(['item_key as itemKey', 'label', 'max_marks as maxMarks'])
		.where('paper_version_id', '=', paperVersionId)
		.orderBy('position')
		.execute();
}

/** The latest mark per item under one authority (optionally by one marker), as item → mark. */
export async function latestMarksOf(
	db: Db,
	scriptId: string,
	authority: MarkAuthority,
	markerId?: string
): Promise<Map<string, number>> {
	const rows = await db
		.selectFrom('mark')
		.select(['id', 'item_key as itemKey', 'authority', 'mark', 'fk'])
		.where('script_id', '=', scriptId)
		.where('authority', '=', authority)
		.$if(markerId !== undefined, (q) => q.where('marker_id', '=', markerId!))
		.execute();
	const latest = latestMarks(
		rows.map((r) => ({ ...r, id: Number(r.id) })),
		authority
	);
	return new Map([...latest].map(([k, m]) => [k, m.mark]));
}

export function sum(marks: ReadonlyMap<string, number>): number {
	let s = 0;
	for (const v of marks.values()) s += v;
	return s;
}

/** Everyone who has held a script's items for any of these purposes (active or withdrawn). */
export async function holdersOf(
	db: Db,
	scriptId: string,
	purposes: AllocationPurpose[]
): Promise<string[]> {
	const rows = await db
		.selectFrom('allocation')
		.select('marker_id')
		.distinct()
		.where('script_id', '=', scriptId)
		.where('purpose', 'in', purposes)
		.execute();
	return rows.map((r) => r.marker_id);
}

/**
 * The person with the fewest unfinished allocations among `candidates` (ties: the earliest id, so
 * the choice is reproducible), or null when there is nobody.
 */
export async function leastLoaded(db: Db, candidates: string[]): Promise<string | null> {
	if (candidates.length === 0) return null;
	const rows = await db
		.selectFrom('app_user as u')
		.leftJoin('allocation as a', (j) =>
			j
				.onRef('a.marker_id', '=', 'u.id')
				.on('a.withdrawn_at', 'is', null)
				.on('a.completed_at', 'is', null)
		)
		.select((eb) => ['u.id', eb.fn.count<number>('a.id').as('open')])
		.where('u.id', 'in', candidates)
		.groupBy('u.id')
		.orderBy('open')
		.orderBy('u.id')
		.execute();
	return rows[0]?.id ?? null;
}

/** Active accounts holding a role. */
export async function usersWithRole(db: Db, role: 'marker' | 'moderator'): Promise<string[]> {
	const rows = await db
		.selectFrom('membership as m')
		.innerJoin('app_user as u', 'u.id', 'm.user_id')
		.select('u.id')
		.distinct()
		.where('m.role', '=', role)
		.where('u.disabled_at', 'is', null)
		.execute();
	return rows.map((r) => r.id);
}

/** Gives every item of a script to one person for a purpose (one allocation row per item). */
export async function allocateScript(
	db: Db,
	a: {
		scriptId: string;
		paperVersionId: string;
		markerId: string;
		purpose: AllocationPurpose;
		allocatedBy: string | null;
		now: Date;
	}
): Promise<string[]> {
	const items = await paperItems(db, a.paperVersionId);
	const rows = await db
		.insertInto('allocation')
		.values(
			items.map((i) => ({
				script_id: a.scriptId,
				item_key: i.itemKey,
				marker_id: a.markerId,
				purpose: a.purpose,
				allocated_by: a.allocatedBy,
				allocated_at: a.now
			}))
		)
		.returning('id')
		.execute();
	return rows.map((r) => r.id);
}

/** Serialises changes to one person's marking standing and work (row lock on their account). */
export async function lockUser(db: Db, userId: string): Promise<void> {
	await db
		.selectFrom('app_user')
		.select('id')
		.where('id', '=', userId)
		.forNoKeyUpdate()
		.executeTakeFirst();
}

export interface PaperOption {
	id: string;
	code: string;
	title: string;
}

/** Papers for the quality pages' paper choice (code and current title). */
export async function paperOptions(db: Db): Promise<PaperOption[]> {
	const rows = await db
		.selectFrom('paper as p')
		.leftJoin('paper_version as v', 'v.id', 'p.current_version_id')
		.select(['p.id', 'p.code', 'v.title'])
		.orderBy('p.code')
		.execute();
	return rows.map((r) => ({ id: r.id, code: r.code, title: r.title ?? '' }));
}

/** The paper a page names by code (?paper=), or the first paper when none is named. */
export async function choosePaper(
	db: Db,
	code: string | null
): Promise<{ papers: PaperOption[]; paper: PaperOption | null }> {
	const papers = await paperOptions(db);
	const paper = (code ? papers.find((p) => p.code === code) : papers[0]) ?? null;
	if (code && !paper) throw new NotFoundError('No such paper');
	return { papers, paper };
}

/** A live script's items and answers by its number, for the lead agreeing a seed's marks. */
export async function scriptForSeed(db: Db, scriptNumber: string) {
	const sc = await db
		.selectFrom('script')
		.select(['id', 'script_number', 'paper_version_id', 'kind'])
		.where('script_number', '=', scriptNumber.trim().toUpperCase())
		.executeTakeFirst();
	if (!sc || sc.kind !== 'live')
		throw new NotFoundError(`There is no live script numbered ${scriptNumber}`);
	const items = await paperItems(db, sc.paper_version_id);
	const answerOf = await scriptAnswers(db, sc.id);
	return {
		scriptNumber: sc.script_number,
		items: items.map((i) => ({ ...i, answer: answerOf.get(i.itemKey) ?? '' }))
	};
}

/** A paper's live scripts (numbers only) for the lead choosing one to copy as a seed. */
export async function liveScriptNumbers(db: Db, paperId: string): Promise<string[]> {
	const rows = await db
		.selectFrom('script as sc')
		.innerJoin('paper_version as pv', 'pv.id', 'sc.paper_version_id')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.select('sc.script_number')
		.where('pv.paper_id', '=', paperId)
		.where('sc.kind', '=', 'live')
		.where('at.state', '=', 'submitted')
		.orderBy('sc.script_number')
		.limit(500)
		.execute();
	return rows.map((r) => r.script_number);
}
