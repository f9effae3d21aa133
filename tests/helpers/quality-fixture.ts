import type { Kysely } from 'kysely';

import { authorityOf, type AllocationPurpose } from '../../src/lib/domain/marking.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { onScriptMarked } from '../../src/lib/server/marking/routing.js';

/** The paper behind a paper version. */
export async function paperIdOf(db: Kysely<Database>, paperVersionId: string): Promise<string> {
	const row = await db
		.selectFrom('paper_version')
		.select('paper_id')
		.where('id', '=', paperVersionId)
		.executeTakeFirstOrThrow();
	return row.paper_id;
}

/** A marker already through standardisation on a paper (a standing row as qualifying writes it). */
export async function qualifyMarker(
	db: Kysely<Database>,
	markerId: string,
	paperId: string,
	now = new Date()
): Promise<void> {
	await db
		.insertInto('marker_standing')
		.values({
			marker_id: markerId,
			paper_id: paperId,
			standing: 'live',
			reason: 'qualified in a fixture',
			decided_by: null,
			created_at: now
		})
		.execute();
}

/**
 * What the marking screen's recordMark does when a marker finishes a script under one purpose (the
 * other branch builds the screen; quality control is what is under test here): a mark per item on
 * their allocations, the allocations completed, and the seam called in the same transaction.
 */
export async function finishScript(
	db: Kysely<Database>,
	e: {
		scriptId: string;
		markerId: string;
		purpose: AllocationPurpose;
		marks: Record<string, number>;
		comment?: string;
		now?: Date;
	}
): Promise<void> {
	const now = e.now ?? new Date();
	await db.transaction().execute(async (tx) => {
		const allocations = await tx
			.selectFrom('allocation')
			.select(['id', 'item_key'])
			.where('script_id', '=', e.scriptId)
			.where('marker_id', '=', e.markerId)
			.where('purpose', '=', e.purpose)
			.where('withdrawn_at', 'is', null)
			.execute();
		if (allocations.length === 0)
			throw new Error(`No ${e.purpose} allocation of this script to this marker`);
		for (const a of allocations) {
			await tx
				.insertInto('mark')
				.values({
					script_id: e.scriptId,
					item_key: a.item_key,
					allocation_id: a.id,
					marker_id: e.markerId,
					authority: authorityOf(e.purpose),
					mark: e.marks[a.item_key] ?? 0,
					comment: e.comment ?? null,
					created_at: now
				})
				.execute();
			await tx
				.updateTable('allocation')
				.set({ completed_at: now })
				.where('id', '=', a.id)
				.execute();
		}
		await onScriptMarked(tx, {
			scriptId: e.scriptId,
			purpose: e.purpose,
			markerId: e.markerId,
			now
		});
	});
}

/** Marks adding up to `total` over the fixture paper's items ('1', '2', '3.a', '3.b', 5 marks each). */
export function marksTotalling(total: number): Record<string, number> {
	const keys = ['1', '2', '3.a', '3.b'];
	const out: Record<string, number> = {};
	let left = total;
	for (const k of keys) {
		out[k] = Math.min(5, left);
		left -= out[k];
	}
	return out;
}
