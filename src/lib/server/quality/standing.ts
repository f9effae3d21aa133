import {
	qualificationProgress,
	type SeedPurpose,
	type Standing
} from '../../domain/standardisation.js';
import type { Db } from '../db/index.js';
import { paperSettings, usersWithRole } from './quality.js';

/*
 * A marker's standing on a paper (standardising → live ⇄ stopped), kept append-only in
 * marker_standing: the latest row is the current standing; no row means standardising. The
 * live-marking gate reads it.
 */

export interface CurrentStanding {
	standing: Standing;
	reason: string;
	since: Date | null;
	/** The latest seed judgement when this standing was set: later judgements count towards it. */
	afterJudgementId: number;
}

export async function currentStanding(
	db: Db,
	markerId: string,
	paperId: string
): Promise<CurrentStanding> {
	const row = await db
		.selectFrom('marker_standing')
		.select(['standing', 'reason', 'created_at', 'id'])
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.orderBy('id', 'desc')
		.limit(1)
		.executeTakeFirst();
	if (!row)
		return {
			standing: 'standardising',
			reason: 'Not yet standardised',
			since: null,
			afterJudgementId: 0
		};
	const last = await db
		.selectFrom('seed_judgement')
		.select((eb) => eb.fn.max('id').as('id'))
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.where('judged_at', '<=', row.created_at)
		.executeTakeFirst();
	return {
		standing: row.standing,
		reason: row.reason,
		since: row.created_at,
		afterJudgementId: Number(last?.id ?? 0)
	};
}

export async function setStanding(
	db: Db,
	s: {
		markerId: string;
		paperId: string;
		standing: Standing;
		reason: string;
		decidedBy: string | null;
		now: Date;
	}
) {
	await db
		.insertInto('marker_standing')
		.values({
			marker_id: s.markerId,
			paper_id: s.paperId,
			standing: s.standing,
			reason: s.reason,
			decided_by: s.decidedBy,
			created_at: s.now
		})
		.execute();
}

export async function judgementsOf(
	db: Db,
	markerId: string,
	paperId: string,
	purpose: SeedPurpose,
	afterId = 0
) {
	return db
		.selectFrom('seed_judgement')
		.select(['id', 'within', 'judged_at'])
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.where('purpose', '=', purpose)
		.where('id', '>', afterId)
		.orderBy('id')
		.execute();
}

export async function countSeeds(db: Db, paperId: string, purpose: SeedPurpose): Promise<number> {
	const row = await db
		.selectFrom('seed')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('paper_id', '=', paperId)
		.where('purpose', '=', purpose)
		.executeTakeFirst();
	return Number(row?.n ?? 0);
}

/** The seam the queue asks before giving live work: open only to a qualified marker who is not stopped. */
export async function gateFor(
	db: Db,
	markerId: string,
	paperId: string
): Promise<{ open: boolean; reason?: string }> {
	// Leads set the standard (they agree the seeds' marks): their moderation and marking are not held.
	const lead = await db
		.selectFrom('membership')
		.select('id')
		.where('user_id', '=', markerId)
		.where('role', '=', 'moderator')
		.executeTakeFirst();
	if (lead) return { open: true };
	const settings = await paperSettings(db, paperId);
	const s = await currentStanding(db, markerId, paperId);
	if (s.standing === 'live') return { open: true };
	if (s.standing === 'stopped') {
		return {
			open: false,
			reason: `Your live marking on this paper is paused: ${s.reason}. A lead marker will review your marking before it reopens.`
		};
	}
	if (settings.qualifyingSeeds === 0) return { open: true };
	const progress = qualificationProgress(
		await judgementsOf(db, markerId, paperId, 'qualification'),
		settings.qualifyingSeeds
	);
	if ((await countSeeds(db, paperId, 'qualification')) === 0) {
		return {
			open: false,
			reason:
				'Live marking on this paper opens after standardisation, and a lead marker has not yet agreed the standardisation scripts.'
		};
	}
	return {
		open: false,
		reason: `Live marking on this paper opens when your last ${progress.needed} standardisation scripts are within tolerance (now ${progress.withinOfLast} of ${progress.needed}). Go to Standardisation to mark them.`
	};
}

/** Markers whose live marking on the paper is open (qualified and not stopped). */
export async function liveMarkers(db: Db, paperId: string): Promise<string[]> {
	const out: string[] = [];
	for (const id of await usersWithRole(db, 'marker'))
		if ((await gateFor(db, id, paperId)).open) out.push(id);
	return out;
}
