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

/** The marker's active allocations with whether each has a mark. */
async function heldWork(db: Kysely<Database>, markerId: string, paperId?: string) {
	return (
		db
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
			.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
			.innerJoin('paper as p', 'p.id', 'v.paper_id')
			.select([
				'a.id',
				'a.script_id',
				'a.purpose',
				'a.allocated_at',
				'sc.script_number',
				'p.id as paper_id',
				'p.code',
				'v.title',
				sql<boolean>`exists (select 1 from mark m where m.allocation_id = a.id)`.as('marked')
			])
			.where('a.marker_id', '=', markerId)
			.where('a.withdrawn_at', 'is', null)
			// A voided attempt's script drops out of marking.
			.where('at.state', '=', 'submitted')
			.$if(paperId !== undefined, (q) => q.where('p.id', '=', paperId!))
			.orderBy('a.allocated_at')
			.orderBy('sc.script_number')
			.execute()
	);
}

type Held = Awaited<ReturnType<typeof heldWork>>[number];

/** While live marking is closed to the marker, only standardisation work (seeds) is theirs to do. */
const visible = (w: Held, gate: LiveMarkingGate) => gate.open || w.purpose === 'seed';

/** The marker's queue, paper by paper, each script with its progress. */
export async function markerQueue(db: Kysely<Database>, markerId: string): Promise<QueuePaper[]> {
	const work = await heldWork(db, markerId);
	const papers = new Map<string, QueuePaper>();
	const gates = new Map<string, LiveMarkingGate>();
	for (const w of work) {
		if (!gates.has(w.paper_id)) gates.set(w.paper_id, await liveMarkingGate(db, markerId, w.paper_id));
		const gate = gates.get(w.paper_id)!;
		let paper = papers.get(w.paper_id);
		if (!paper) papers.set(w.paper_id, (paper = { paperId: w.paper_id, code: w.code, title: w.title, gate, scripts: [], markedScripts: 0 }));
		if (!visible(w, gate)) continue;
		let s = paper.scripts.find((x) => x.scriptId === w.script_id);
		if (!s) paper.scripts.push((s = { scriptId: w.script_id, scriptNumber: w.script_number, items: 0, markedItems: 0, done: false }));
		s.items++;
		if (w.marked) s.markedItems++;
	}
	for (const p of papers.values()) {
		for (const s of p.scripts) s.done = s.markedItems === s.items;
		p.markedScripts = p.scripts.filter((s) => s.done).length;
	}
	return [...papers.values()].sort((a, b) => a.code.localeCompare(b.code));
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
		const seed = await maybeAllocateSeed(tx, { markerId: input.markerId, paperId: input.paperId, now });
		const work = (await heldWork(tx, input.markerId, input.paperId)).filter((w) => visible(w, gate));
		if (seed && work.some((w) => w.script_id === seed && !w.marked)) return { scriptId: seed, gate };
		const next = work.find((w) => !w.marked);
		return { scriptId: next?.script_id ?? null, gate };
	});
}
