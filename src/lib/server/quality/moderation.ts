import type { Kysely } from 'kysely';
import { z } from 'zod';

import { finalMarks, type MarkAuthority } from '../../domain/marking.js';
import { secondMarkingTransition, type SecondMarkingState } from '../../domain/second-marking.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { scriptAnswers } from '../scripts/store.js';
import { allocateScript, paperItems, scriptPaper } from './quality.js';
import { applySecondMarkingAction, requireSecondMarkingAllows } from './second-marking-state.js';
import { agreedMarksFrom } from './seeds.js';

/*
 * Moderation (issue 11 items 5 and 6): a pair of first and second marks further apart than the
 * tolerance comes to a moderator, who sees both, with every mark's who and when, and decides with a
 * moderator mark per item (the highest authority: it becomes the final mark). Nothing here selects
 * the candidate, the centre or the room.
 */

export interface CaseSummary {
	scriptId: string;
	scriptNumber: string;
	paperCode: string;
	state: SecondMarkingState;
	firstTotal: number;
	secondTotal: number | null;
	referredAt: Date | null;
	resolvedAt: Date | null;
	moderator: string | null;
}

/** Pairs referred to a moderator: open ones first, then the latest decided. */
export async function listCases(db: Db): Promise<CaseSummary[]> {
	const rows = await db
		.selectFrom('second_marking as sm')
		.innerJoin('script as sc', 'sc.id', 'sm.script_id')
		.innerJoin('paper_version as pv', 'pv.id', 'sm.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'pv.paper_id')
		.leftJoin('app_user as r', 'r.id', 'sm.resolved_by')
		.select([
			'sm.script_id as scriptId',
			'sc.script_number as scriptNumber',
			'p.code as paperCode',
			'sm.state',
			'sm.first_total as firstTotal',
			'sm.second_total as secondTotal',
			'sm.referred_at as referredAt',
			'sm.resolved_at as resolvedAt',
			'r.display_name as resolvedBy'
		])
		.select((eb) =>
			eb
				.selectFrom('allocation as a')
				.innerJoin('app_user as u', 'u.id', 'a.marker_id')
				.select('u.display_name')
				.whereRef('a.script_id', '=', 'sm.script_id')
				.where('a.purpose', '=', 'moderation')
				.where('a.withdrawn_at', 'is', null)
				.limit(1)
				.as('allocatedTo')
		)
		.where('sm.state', 'in', ['referred', 'resolved'])
		.orderBy((eb) => eb.case().when('sm.state', '=', 'referred').then(0).else(1).end())
		.orderBy('sm.referred_at', 'desc')
		.limit(200)
		.execute();
	return rows.map(({ resolvedBy, allocatedTo, ...r }) => ({
		...r,
		moderator: resolvedBy ?? allocatedTo ?? null
	}));
}

export interface MarkHistoryEntry {
	itemKey: string;
	authority: MarkAuthority;
	mark: number;
	fk: boolean;
	comment: string | null;
	marker: string;
	at: Date;
}

/** One referred script: items with both marks and the final mark, the answers, and every mark given (who, when, authority). */
export async function getCase(db: Db, scriptId: string) {
	const sm = await db
		.selectFrom('second_marking')
		.selectAll()
		.where('script_id', '=', scriptId)
		.executeTakeFirst();
	if (!sm || (sm.state !== 'referred' && sm.state !== 'resolved'))
		throw new NotFoundError('This script has not been referred to a moderator');
	const paper = await scriptPaper(db, scriptId);
	const items = await paperItems(db, paper.paperVersionId);
	const answers = await scriptAnswers(db, scriptId);
	const marks = await db
		.selectFrom('mark as m')
		.innerJoin('app_user as u', 'u.id', 'm.marker_id')
		.select([
			'm.id',
			'm.item_key as itemKey',
			'm.authority',
			'm.mark',
			'm.fk',
			'm.comment',
			'u.display_name as marker',
			'm.created_at as at'
		])
		.where('m.script_id', '=', scriptId)
		.where('m.authority', 'in', ['first', 'second', 'moderator'])
		.orderBy('m.id')
		.execute();
	const numbered = marks.map((m) => ({ ...m, id: Number(m.id) }));
	const latestBy = (authority: MarkAuthority) => {
		const map = new Map<string, (typeof numbered)[number]>();
		for (const m of numbered) if (m.authority === authority) map.set(m.itemKey, m);
		return map;
	};
	const first = latestBy('first');
	const second = latestBy('second');
	const final = finalMarks(numbered);
	return {
		scriptNumber: paper.scriptNumber,
		paperCode: paper.paperCode,
		state: sm.state,
		firstTotal: sm.first_total,
		secondTotal: sm.second_total,
		items: items.map((i) => ({
			...i,
			answer: answers.get(i.itemKey) ?? '',
			first: pick(first.get(i.itemKey)),
			second: pick(second.get(i.itemKey)),
			final: final.get(i.itemKey)
				? { mark: final.get(i.itemKey)!.mark, authority: final.get(i.itemKey)!.authority }
				: null
		})),
		history: numbered.map(({ id: _id, ...m }): MarkHistoryEntry => m)
	};
}

function pick(
	m: { mark: number; fk: boolean; comment: string | null; marker: string; at: Date } | undefined
) {
	return m ? { mark: m.mark, fk: m.fk, comment: m.comment, marker: m.marker, at: m.at } : null;
}

const decisionInput = z.object({
	marks: z.record(z.string(), z.string()),
	comment: z.string().trim().max(2000, 'The comment may be at most 2000 characters').optional()
});

/**
 * The moderator's decision: a moderator mark for every item (0 to the item's marks), under a
 * moderation allocation of their own, and the case closed. Decided once: a second decision on the
 * same case is refused (check under the case's row lock).
 */
export async function decideCase(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	scriptId: string,
	input: unknown,
	now: Date
): Promise<void> {
	const parsed = decisionInput.safeParse(input);
	if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message);
	const paper = await scriptPaper(db, scriptId);
	const items = await paperItems(db, paper.paperVersionId);
	const marks = agreedMarksFrom(items, parsed.data.marks);
	const comment = parsed.data.comment || null;
	await db.transaction().execute(async (tx) => {
		const sm = await tx
			.selectFrom('second_marking')
			.selectAll()
			.where('script_id', '=', scriptId)
			.forUpdate()
			.executeTakeFirst();
		if (!sm || (sm.state !== 'referred' && sm.state !== 'resolved'))
			throw new NotFoundError('This script has not been referred to a moderator');
		requireSecondMarkingAllows(sm, 'resolve');
		const markedIt = await tx
			.selectFrom('allocation')
			.select('id')
			.where('script_id', '=', scriptId)
			.where('purpose', 'in', ['first', 'second'])
			.where('marker_id', '=', actor.userId)
			.executeTakeFirst();
		if (markedIt)
			throw new ConflictError(
				'You marked this script yourself, so another moderator must decide it.'
			);
		// The case is the deciding moderator's from now on: another's allocation is withdrawn.
		await tx
			.updateTable('allocation')
			.set({ withdrawn_at: now, withdrawn_by: actor.userId })
			.where('script_id', '=', scriptId)
			.where('purpose', '=', 'moderation')
			.where('withdrawn_at', 'is', null)
			.where('marker_id', '<>', actor.userId)
			.execute();
		let mine = await tx
			.selectFrom('allocation')
			.select(['id', 'item_key'])
			.where('script_id', '=', scriptId)
			.where('purpose', '=', 'moderation')
			.where('withdrawn_at', 'is', null)
			.execute();
		if (mine.length === 0) {
			await allocateScript(tx, {
				scriptId,
				paperVersionId: paper.paperVersionId,
				markerId: actor.userId,
				purpose: 'moderation',
				allocatedBy: actor.userId,
				now
			});
			mine = await tx
				.selectFrom('allocation')
				.select(['id', 'item_key'])
				.where('script_id', '=', scriptId)
				.where('purpose', '=', 'moderation')
				.where('withdrawn_at', 'is', null)
				.execute();
		}
		const allocationOf = new Map(mine.map((a) => [a.item_key, a.id]));
		await tx
			.insertInto('mark')
			.values(
				marks.map((m) => ({
					script_id: scriptId,
					item_key: m.itemKey,
					allocation_id: allocationOf.get(m.itemKey) ?? null,
					marker_id: actor.userId,
					authority: 'moderator' as const,
					mark: m.mark,
					comment,
					created_at: now
				}))
			)
			.execute();
		await tx
			.updateTable('allocation')
			.set({ completed_at: now })
			.where('id', 'in', [...allocationOf.values()])
			.execute();
		await applySecondMarkingAction(tx, sm, 'resolve', {
			resolved_at: now,
			resolved_by: actor.userId
		});
		await writeAudit(tx, actor, {
			action: 'marking.moderated',
			subjectType: 'script',
			subjectId: scriptId,
			details: {
				scriptNumber: paper.scriptNumber,
				firstTotal: sm.first_total,
				secondTotal: sm.second_total,
				moderatorTotal: marks.reduce((s, m) => s + m.mark, 0)
			}
		});
	});
}

/** The seam's 'moderation' purpose: a moderator who marked through the marking screen has decided. */
export async function onModerated(
	tx: Db,
	e: { scriptId: string; markerId: string; now: Date }
): Promise<void> {
	const sm = await tx
		.selectFrom('second_marking')
		.select(['script_id', 'state'])
		.where('script_id', '=', e.scriptId)
		.forUpdate()
		.executeTakeFirst();
	// Only a referred case is decided by a moderator's marks (a moderator may mark other scripts).
	if (!sm || !secondMarkingTransition(sm.state, 'resolve').ok) return;
	await applySecondMarkingAction(tx, sm, 'resolve', {
		resolved_at: e.now,
		resolved_by: e.markerId
	});
}
