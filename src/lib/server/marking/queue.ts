import { sql, type Kysely } from 'kysely';

import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { liveMarkingGate, maybeAllocateSeed, type LiveMarkingGate } from './routing.js';

/*
 * A marker's queue: their allocations, grouped by script and by paper. A marker sees script numbers
 * only; never why they hold a script (a seed for standardisation must look exactly like live work),
 * nor anything of the candidate behind it.
 */

export interface QueueScript {
	scriptId: string;
	scriptNumber: string;
	items: number;
	markedItems: number;
	done: boolean;
}

export interface QueuePaper {
	paperId: string;
	code: string;
	title: string;
	gate: LiveMarkingGate;
	scripts: QueueScript[];
	markedScripts: number;
}

/**
 * The marker's held scripts, one row per script (and per kind of work: seed or not), counted in the
 * database: a marker may hold tens of thousands of allocations, and the queue page must not read
 * them all.
 */
async function heldScripts(db: Kysely<Database>, markerId: string) {
	return (
		db
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
			.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
			.innerJoin('paper as p', 'p.id', 'v.paper_id')
			.select((eb) => [
				'a.script_id',
				'sc.script_number',
				'p.id as paper_id',
				'p.code',
				'v.title',
				sql<boolean>`a.purpose = 'seed'`.as('seed'),
				eb.fn.countAll<number>().as('items'),
				eb.fn
					.countAll<number>()
					.filterWhere(({ exists, selectFrom }) =>
						exists(selectFrom('mark as m').select('m.id').whereRef('m.allocation_id', '=', 'a.id'))
					)
					.as('marked')
			])
			.where('a.marker_id', '=', markerId)
			.where('a.withdrawn_at', 'is', null)
			// A voided attempt's script drops out of marking.
			.where('at.state', '=', 'submitted')
			.groupBy([
				'a.script_id',
				'sc.script_number',
				'p.id',
				'p.code',
				'v.title',
				sql`a.purpose = 'seed'`
			])
			.orderBy(sql`min(a.allocated_at)`)
			.orderBy('sc.script_number')
			.execute()
	);
}

/** While live marking is closed to the marker, only standardisation work (seeds) is theirs to do. */
const visible = (w: { seed: boolean }, gate: LiveMarkingGate) => gate.open || w.seed;

/** The marker's queue, paper by paper, each script with its progress. */
export async function markerQueue(db: Kysely<Database>, markerId: string): Promise<QueuePaper[]> {
	const work = await heldScripts(db, markerId);
	const papers = new Map<string, QueuePaper>();
	for (const w of work) {
		let paper = papers.get(w.paper_id);
		if (!paper) {
			const gate = await liveMarkingGate(db, markerId, w.paper_id);
			papers.set(
				w.paper_id,
				(paper = {
					paperId: w.paper_id,
					code: w.code,
					title: w.title,
					gate,
					scripts: [],
					markedScripts: 0
				})
			);
		}
		if (!visible(w, paper.gate)) continue;
		const done = w.marked === w.items;
		paper.scripts.push({
			scriptId: w.script_id,
			scriptNumber: w.script_number,
			items: w.items,
			markedItems: w.marked,
			done
		});
		if (done) paper.markedScripts++;
	}
	return [...papers.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** The oldest allocated script of the paper with an unmarked item (only seeds while live marking is closed): one row. */
async function oldestUnmarked(
	db: Kysely<Database>,
	markerId: string,
	paperId: string,
	gate: LiveMarkingGate,
	scriptId?: string
) {
	const row = await db
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
		.select('a.script_id')
		.where('a.marker_id', '=', markerId)
		.where('a.withdrawn_at', 'is', null)
		// Completed allocations are marked: the partial index on open work skips them.
		.where('a.completed_at', 'is', null)
		.where('v.paper_id', '=', paperId)
		.where('at.state', '=', 'submitted')
		.where(({ not, exists, selectFrom }) =>
			not(exists(selectFrom('mark as m').select('m.id').whereRef('m.allocation_id', '=', 'a.id')))
		)
		.$if(!gate.open, (q) => q.where('a.purpose', '=', 'seed'))
		.$if(scriptId !== undefined, (q) => q.where('a.script_id', '=', scriptId!))
		.orderBy('a.allocated_at')
		.orderBy('sc.script_number')
		.limit(1)
		.executeTakeFirst();
	return row?.script_id ?? null;
}

/**
 * The script "Start marking" / "Continue" opens on a paper: live marking's gate is asked first (closed:
 * its reason, and only seeds), then standardisation may slip a seed in (maybeAllocateSeed), which is
 * then the next script; otherwise the oldest allocated script with an unmarked item.
 */
export async function nextScript(
	db: Kysely<Database>,
	input: { markerId: string; paperId: string; now?: Date }
): Promise<{ scriptId: string | null; gate: LiveMarkingGate }> {
	const now = input.now ?? new Date();
	if (!isUuid(input.paperId)) throw new NotFoundError('No such paper');
	return db.transaction().execute(async (tx) => {
		const gate = await liveMarkingGate(tx, input.markerId, input.paperId);
		const seed = await maybeAllocateSeed(tx, {
			markerId: input.markerId,
			paperId: input.paperId,
			now
		});
		if (seed && (await oldestUnmarked(tx, input.markerId, input.paperId, { open: true }, seed)))
			return { scriptId: seed, gate };
		return { scriptId: await oldestUnmarked(tx, input.markerId, input.paperId, gate), gate };
	});
}
