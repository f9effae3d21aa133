import type { Kysely } from 'kysely';
import { z } from 'zod';

import { gridView, judgeAward, type GridAward } from '../../domain/grid.js';
import { commentProblem } from '../../domain/marking-work.js';
import {
	authorityOf,
	blankAnswerRefusal,
	latestMarks,
	type MarkAuthority
} from '../../domain/marking.js';
import { paperItems } from '../../domain/paper.js';
import { getPaperContent } from '../bank/papers.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { scriptAnswers, scriptStands } from '../scripts/store.js';
import { isUuid, parse } from '../validation.js';
import { liveMarkingGate, onScriptMarked } from './routing.js';

/*
 * Recording a mark. Marks are append-only (the table refuses UPDATE and DELETE): every save is a new
 * row, and a marker's current mark on an item is their latest (latestMarks). Whether the mark keeps
 * to the grid is the grid module's decision (judgeAward), never this file's.
 */

const markNumber = z.number({ error: 'A mark must be a number' });
/** An award as it arrives (JSON or a form); judgeAward decides whether it keeps to the grid. */
export const awardSchema = z.discriminatedUnion(
	'kind',
	[
		z.object({ kind: z.literal('mark'), mark: markNumber }),
		z.object({ kind: z.literal('points'), awarded: z.record(z.string().max(20), markNumber) }),
		z.object({
			kind: z.literal('level'),
			level: z.number({ error: 'Choose a level' }).int('Choose a level'),
			mark: markNumber
		})
	],
	{ error: 'Give a mark: type one, tick points or choose a level' }
);

const recordSchema = z.object({
	award: awardSchema,
	fk: z.boolean().default(false),
	comment: z
		.string()
		.default('')
		.superRefine((c, ctx) => {
			const problem = commentProblem(c);
			if (problem) ctx.addIssue({ code: 'custom', message: problem });
		})
});

export interface RecordMarkInput {
	markerId: string;
	allocationId: string;
	/** The script the request named (a route's [scriptId]): an allocation of another script is not found. */
	scriptId?: string;
	award: unknown;
	fk?: unknown;
	comment?: unknown;
	now?: Date;
}

export interface RecordedMark {
	itemKey: string;
	mark: number;
	/** Caps the grid applied ("Total 6 capped at the item's 5 marks"). */
	notes: string[];
	/** The marker's total on the script so far (their latest mark on each item). */
	total: number;
	markedItems: number;
	items: number;
	/** Every item this marker holds on the script has a mark. */
	scriptComplete: boolean;
}

/**
 * Records a marker's mark on one allocated item. In one transaction: the marker's allocations on the
 * script are locked (so a re-allocation and this save cannot cross, and two saves on one script see
 * each other when deciding it is complete); refused as not found when the allocation is not theirs
 * (the same answer as no such allocation), refused when it was withdrawn or the script no longer
 * stands, or (live work) while live marking's gate is closed to the marker; the award is judged against the grid; the mark is appended with the allocation's
 * authority. When every item the marker holds on the script under that purpose has a mark, those
 * allocations are completed and quality control is told (onScriptMarked), once.
 */
export async function recordMark(
	db: Kysely<Database>,
	input: RecordMarkInput
): Promise<RecordedMark> {
	const { markerId, allocationId } = input;
	const now = input.now ?? new Date();
	if (!isUuid(allocationId) || !isUuid(markerId)) throw new NotFoundError('No such allocation');
	const r = parse(recordSchema, {
		award: input.award,
		fk: input.fk ?? false,
		comment: input.comment ?? ''
	});
	return db.transaction().execute(async (tx) => {
		const target = await tx
			.selectFrom('allocation')
			.select(['script_id', 'marker_id', 'purpose'])
			.where('id', '=', allocationId)
			.executeTakeFirst();
		if (
			!target ||
			target.marker_id !== markerId ||
			(input.scriptId !== undefined && input.scriptId !== target.script_id)
		)
			throw new NotFoundError('No such allocation');
		// Every allocation of this marker on the script under this purpose (the target among them), in
		// one order, so concurrent saves and re-allocations queue rather than deadlock.
		const siblings = await tx
			.selectFrom('allocation')
			.select(['id', 'item_key', 'withdrawn_at', 'completed_at'])
			.where('script_id', '=', target.script_id)
			.where('marker_id', '=', markerId)
			.where('purpose', '=', target.purpose)
			.orderBy('id')
			.forUpdate()
			.execute();
		const allocation = siblings.find((s) => s.id === allocationId);
		if (!allocation) throw new NotFoundError('No such allocation');
		if (allocation.withdrawn_at)
			throw new ConflictError(
				'This question was re-allocated to another marker, so your mark was not saved.'
			);
		if (!(await scriptStands(tx, target.script_id)))
			throw new ConflictError(
				'This script has been withdrawn from marking (the attempt was voided), so your mark was not saved.'
			);

		const script = await tx
			.selectFrom('script as sc')
			.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
			.select(['sc.paper_version_id', 'v.paper_id'])
			.where('sc.id', '=', target.script_id)
			.executeTakeFirstOrThrow();
		// Live marking's gate is the server's, not only the screen's: a marker it holds (not yet
		// qualified, or stopped after seeds out of tolerance) saves marks on seeds alone.
		if (target.purpose !== 'seed') {
			const gate = await liveMarkingGate(tx, markerId, script.paper_id);
			if (!gate.open)
				throw new ConflictError(
					`${gate.reason ?? 'Live marking is closed to you for now.'} Your mark was not saved.`
				);
		}
		const items = paperItems(await getPaperContent(tx, script.paper_version_id));
		const item = items.find((i) => i.key === allocation.item_key);
		if (!item) throw new NotFoundError('No such question on this paper');
		const judged = judgeAward(gridView(item.grid, item.marks), r.award as GridAward);
		if (!judged.ok)
			throw new ValidationError(`Question ${item.label}: ${judged.reason}`, [
				{ field: 'mark', message: judged.reason }
			]);
		const answer = (await scriptAnswers(tx, target.script_id)).get(item.key);
		const blank = blankAnswerRefusal(judged.mark, answer, item.label);
		if (blank) throw new ValidationError(blank, [{ field: 'mark', message: blank }]);

		const authority = authorityOf(target.purpose);
		await tx
			.insertInto('mark')
			.values({
				script_id: target.script_id,
				item_key: item.key,
				allocation_id: allocationId,
				marker_id: markerId,
				authority,
				mark: judged.mark,
				fk: r.fk,
				comment: r.comment.trim() === '' ? null : r.comment,
				award: JSON.stringify(r.award),
				created_at: now
			})
			.execute();

		const active = siblings.filter((s) => !s.withdrawn_at);
		const given = await ownMarks(tx, target.script_id, markerId, authority);
		const markedKeys = new Set(active.map((a) => a.item_key).filter((k) => given.has(k)));
		const scriptComplete = active.every((a) => markedKeys.has(a.item_key));
		if (scriptComplete && active.some((a) => !a.completed_at)) {
			await tx
				.updateTable('allocation')
				.set({ completed_at: now })
				.where(
					'id',
					'in',
					active.map((a) => a.id)
				)
				.where('completed_at', 'is', null)
				.execute();
			await onScriptMarked(tx, {
				scriptId: target.script_id,
				purpose: target.purpose,
				markerId,
				now
			});
		}
		let total = 0;
		for (const a of active) total += given.get(a.item_key)?.mark ?? 0;
		return {
			itemKey: item.key,
			mark: judged.mark,
			notes: judged.notes,
			total,
			markedItems: markedKeys.size,
			items: active.length,
			scriptComplete
		};
	});
}

export interface OwnMark {
	id: number;
	itemKey: string;
	authority: MarkAuthority;
	mark: number;
	fk: boolean;
	comment: string | null;
	award: unknown;
}

/** A marker's latest mark on each item of a script under one authority. */
export async function ownMarks(
	db: Kysely<Database>,
	scriptId: string,
	markerId: string,
	authority: MarkAuthority
): Promise<Map<string, OwnMark>> {
	const rows = await db
		.selectFrom('mark')
		.select(['id', 'item_key', 'authority', 'mark', 'fk', 'comment', 'award'])
		.where('script_id', '=', scriptId)
		.where('marker_id', '=', markerId)
		.where('authority', '=', authority)
		.execute();
	return latestMarks(
		rows.map((m) => ({
			id: Number(m.id),
			itemKey: m.item_key,
			authority: m.authority,
			mark: m.mark,
			fk: m.fk,
			comment: m.comment,
			award: m.award
		})),
		authority
	);
}
