import type { Kysely } from 'kysely';

import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { allocateScript, leastLoaded, lockUser, scriptPaper } from './quality.js';
import { allocateAwaitingSecondMarking } from './second-marking.js';
import { MAX_RATIONALE } from './seeds.js';
import { currentStanding, liveMarkers, setStanding } from './standing.js';

/*
 * A lead's review of a marker stopped at standardisation: reinstate them with a note on record, or
 * send their recent scripts to other markers to be marked again.
 */

/** A lead reinstates a stopped marker, with a note on record. */
export async function reinstateMarker(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	e: { markerId: string; paperId: string; note: string; now: Date }
) {
	const note = e.note.trim();
	if (!note)
		throw new ValidationError('Write a note on your review before reinstating', [
			{ field: 'note', message: 'Write a note on your review' }
		]);
	if (note.length > MAX_RATIONALE)
		throw new ValidationError(`The note may be at most ${MAX_RATIONALE} characters`, [
			{ field: 'note', message: 'Too long' }
		]);
	await db.transaction().execute(async (tx) => {
		await lockUser(tx, e.markerId);
		const s = await currentStanding(tx, e.markerId, e.paperId);
		if (s.standing !== 'stopped')
			throw new ConflictError('This marker is not stopped on this paper.');
		await setStanding(tx, {
			markerId: e.markerId,
			paperId: e.paperId,
			standing: 'live',
			reason: `Reinstated after review: ${note}`,
			decidedBy: actor.userId,
			now: e.now
		});
		await writeAudit(tx, actor, {
			action: 'marking.marker_reinstated',
			subjectType: 'user',
			subjectId: e.markerId,
			details: { paperId: e.paperId, note }
		});
		await allocateAwaitingSecondMarking(tx, e.paperId, e.now);
	});
}

/** The live scripts a marker first-marked on a paper since their last seed within tolerance (the ones a lead may send back). */
export async function recentScripts(db: Db, markerId: string, paperId: string) {
	const lastGood = await db
		.selectFrom('seed_judgement')
		.select((eb) => eb.fn.max('judged_at').as('at'))
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.where('within', '=', true)
		.executeTakeFirst();
	return db
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.innerJoin('paper_version as pv', 'pv.id', 'sc.paper_version_id')
		.innerJoin('mark as m', 'm.allocation_id', 'a.id')
		.select([
			'sc.id as scriptId',
			'sc.script_number as scriptNumber',
			(eb) => eb.fn.max('m.created_at').as('markedAt')
		])
		.where('a.marker_id', '=', markerId)
		.where('a.purpose', '=', 'first')
		.where('a.withdrawn_at', 'is', null)
		.where('sc.kind', '=', 'live')
		.where('pv.paper_id', '=', paperId)
		.$if(lastGood?.at != null, (q) => q.where('m.created_at', '>', lastGood!.at as Date))
		.groupBy(['sc.id', 'sc.script_number'])
		.orderBy('markedAt', 'desc')
		.execute();
}

/**
 * A lead sends a stopped marker's recent scripts back: their first allocations are withdrawn (their
 * marks stay on record) and each script goes whole to another live marker, whose first mark, being
 * the latest, becomes the one that counts.
 */
export async function sendBackForRemarking(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	e: { markerId: string; paperId: string; scriptIds: string[]; now: Date }
): Promise<number> {
	if (e.scriptIds.length === 0)
		throw new ValidationError('Choose at least one script to send back', [
			{ field: 'scripts', message: 'Choose a script' }
		]);
	return db.transaction().execute(async (tx) => {
		await lockUser(tx, e.markerId);
		const eligible = new Set(
			(await recentScripts(tx, e.markerId, e.paperId)).map((s) => s.scriptId)
		);
		const bad = e.scriptIds.filter((id) => !eligible.has(id));
		if (bad.length)
			throw new ValidationError(
				'Only scripts this marker marked since their last seed within tolerance can be sent back',
				[{ field: 'scripts', message: 'Not one of their recent scripts' }]
			);
		const others = (await liveMarkers(tx, e.paperId)).filter((id) => id !== e.markerId);
		if (others.length === 0)
			throw new ConflictError(
				'No other marker is qualified on this paper to re-mark these scripts.'
			);
		let sent = 0;
		for (const scriptId of e.scriptIds) {
			const paper = await scriptPaper(tx, scriptId);
			const to = (await leastLoaded(tx, others))!;
			await tx
				.updateTable('allocation')
				.set({ withdrawn_at: e.now, withdrawn_by: actor.userId })
				.where('script_id', '=', scriptId)
				.where('purpose', '=', 'first')
				.where('withdrawn_at', 'is', null)
				.execute();
			await allocateScript(tx, {
				scriptId,
				paperVersionId: paper.paperVersionId,
				markerId: to,
				purpose: 'first',
				allocatedBy: actor.userId,
				now: e.now
			});
			await writeAudit(tx, actor, {
				action: 'marking.script_sent_back',
				subjectType: 'script',
				subjectId: scriptId,
				details: { scriptNumber: paper.scriptNumber, from: e.markerId, to }
			});
			sent++;
		}
		return sent;
	});
}
