import type { Kysely } from 'kysely';

import {
	judgeSeed,
	qualificationProgress,
	seedDue,
	shouldStop,
	trailingMisses,
	type SeedPurpose
} from '../../domain/standardisation.js';
import { SYSTEM_ACTOR, writeAudit } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';
import { allocateScript, latestMarksOf, lockUser, paperSettings } from './quality.js';
import { allocateAwaitingSecondMarking } from './second-marking.js';
import { currentStanding, judgementsOf, setStanding } from './standing.js';

/*
 * Standardisation (issue 11 item 7): a marker's standing on a paper (standardising → live ⇄
 * stopped, append-only), the qualification seeds a marker asks for, the live seeds slipped into
 * their queue, and judging each seed a marker finishes. Seeds themselves are in seeds.ts; the
 * lead's review of a stopped marker in marker-review.ts.
 */

/**
 * A marker finished a seed (the seam's 'seed' purpose): judge it against the agreed marks, keep the
 * judgement, and move their standing: qualified after the last N qualification seeds within
 * tolerance; stopped after `stopAfterMisses` live seeds in a row out of tolerance.
 */
export async function onSeedMarked(
	tx: Db,
	e: { scriptId: string; markerId: string; now: Date }
): Promise<void> {
	const seed = await tx
		.selectFrom('seed')
		.selectAll()
		.where('script_id', '=', e.scriptId)
		.executeTakeFirst();
	if (!seed) return;
	await lockUser(tx, e.markerId);
	const settings = await paperSettings(tx, seed.paper_id);
	const agreed = await latestMarksOf(tx, e.scriptId, 'agreed');
	const given = await latestMarksOf(tx, e.scriptId, 'seed', e.markerId);
	const j = judgeSeed(given, agreed, settings);
	await tx
		.insertInto('seed_judgement')
		.values({
			seed_script_id: seed.script_id,
			marker_id: e.markerId,
			paper_id: seed.paper_id,
			purpose: seed.purpose,
			within: j.within,
			given_total: j.givenTotal,
			agreed_total: j.agreedTotal,
			items: JSON.stringify(j.items),
			judged_at: e.now
		})
		.execute();
	const standing = await currentStanding(tx, e.markerId, seed.paper_id);
	if (standing.standing === 'standardising' && seed.purpose === 'qualification') {
		const progress = qualificationProgress(
			await judgementsOf(tx, e.markerId, seed.paper_id, 'qualification'),
			settings.qualifyingSeeds
		);
		if (progress.qualified) {
			await setStanding(tx, {
				markerId: e.markerId,
				paperId: seed.paper_id,
				standing: 'live',
				reason: `${progress.needed} standardisation scripts in a row within tolerance`,
				decidedBy: null,
				now: e.now
			});
			await writeAudit(tx, SYSTEM_ACTOR, {
				action: 'marking.marker_qualified',
				subjectType: 'user',
				subjectId: e.markerId,
				details: { paperId: seed.paper_id }
			});
			// Second marking that waited for a marker may now go to them.
			await allocateAwaitingSecondMarking(tx, seed.paper_id, e.now);
		}
	} else if (standing.standing === 'live' && seed.purpose === 'live') {
		const live = await judgementsOf(
			tx,
			e.markerId,
			seed.paper_id,
			'live',
			standing.afterJudgementId
		);
		if (shouldStop(live, settings.stopAfterMisses)) {
			const n = trailingMisses(live);
			await setStanding(tx, {
				markerId: e.markerId,
				paperId: seed.paper_id,
				standing: 'stopped',
				reason: `${n} seed ${n === 1 ? 'script' : 'scripts'} in a row out of tolerance`,
				decidedBy: null,
				now: e.now
			});
			await writeAudit(tx, SYSTEM_ACTOR, {
				action: 'marking.marker_stopped',
				subjectType: 'user',
				subjectId: e.markerId,
				details: { paperId: seed.paper_id, misses: n }
			});
		}
	}
}

/**
 * The seam the queue calls before picking a marker's next script: at the paper's rate, a live seed
 * the marker has never had, unannounced (it carries a script number like any other).
 */
export async function allocateLiveSeedIfDue(
	tx: Db,
	e: { markerId: string; paperId: string; now: Date }
): Promise<string | null> {
	const settings = await paperSettings(tx, e.paperId);
	if (settings.seedEvery <= 0) return null;
	await lockUser(tx, e.markerId);
	if ((await currentStanding(tx, e.markerId, e.paperId)).standing !== 'live') return null;
	const open = await tx
		.selectFrom('allocation as a')
		.innerJoin('seed as s', 's.script_id', 'a.script_id')
		.select('a.id')
		.where('a.marker_id', '=', e.markerId)
		.where('a.purpose', '=', 'seed')
		.where('s.paper_id', '=', e.paperId)
		.where('a.withdrawn_at', 'is', null)
		.where('a.completed_at', 'is', null)
		.executeTakeFirst();
	if (open) return null;
	const lastSeed = await tx
		.selectFrom('allocation as a')
		.innerJoin('seed as s', 's.script_id', 'a.script_id')
		.select((eb) => eb.fn.max('a.allocated_at').as('at'))
		.where('a.marker_id', '=', e.markerId)
		.where('a.purpose', '=', 'seed')
		.where('s.paper_id', '=', e.paperId)
		.executeTakeFirst();
	const since = await tx
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.innerJoin('paper_version as pv', 'pv.id', 'sc.paper_version_id')
		.select((eb) => eb.fn.count<number>('a.script_id').distinct().as('n'))
		.where('a.marker_id', '=', e.markerId)
		.where('a.purpose', '=', 'first')
		.where('pv.paper_id', '=', e.paperId)
		.$if(lastSeed?.at != null, (q) => q.where('a.allocated_at', '>', lastSeed!.at as Date))
		.executeTakeFirst();
	if (!seedDue(Number(since?.n ?? 0), settings.seedEvery)) return null;
	const [seed] = await unmarkedSeeds(tx, e.markerId, e.paperId, 'live', 1);
	if (!seed) return null;
	await allocateScript(tx, {
		scriptId: seed.scriptId,
		paperVersionId: seed.paperVersionId,
		markerId: e.markerId,
		purpose: 'seed',
		allocatedBy: null,
		now: e.now
	});
	return seed.scriptId;
}

/** The paper's seeds of one purpose the marker has never been given, oldest first. */
async function unmarkedSeeds(
	tx: Db,
	markerId: string,
	paperId: string,
	purpose: SeedPurpose,
	limit: number
) {
	return tx
		.selectFrom('seed as s')
		.innerJoin('script as sc', 'sc.id', 's.script_id')
		.select(['s.script_id as scriptId', 'sc.paper_version_id as paperVersionId'])
		.where('s.paper_id', '=', paperId)
		.where('s.purpose', '=', purpose)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					selectFrom('allocation as a')
						.select('a.id')
						.whereRef('a.script_id', '=', 's.script_id')
						.where('a.marker_id', '=', markerId)
						.where('a.purpose', '=', 'seed')
				)
			)
		)
		.orderBy('s.created_at')
		.limit(limit)
		.execute();
}

/** A marker asks for their standardisation scripts: the qualification seeds they have not marked, as many as the paper asks for. */
export async function startStandardisation(
	db: Kysely<Database>,
	e: { markerId: string; paperId: string; now: Date }
): Promise<number> {
	return db.transaction().execute(async (tx) => {
		await lockUser(tx, e.markerId);
		const settings = await paperSettings(tx, e.paperId);
		const standing = await currentStanding(tx, e.markerId, e.paperId);
		if (standing.standing !== 'standardising')
			throw new ConflictError('You have already qualified on this paper.');
		const outstanding = await tx
			.selectFrom('allocation as a')
			.innerJoin('seed as s', 's.script_id', 'a.script_id')
			.select('a.id')
			.where('a.marker_id', '=', e.markerId)
			.where('s.paper_id', '=', e.paperId)
			.where('a.purpose', '=', 'seed')
			.where('a.withdrawn_at', 'is', null)
			.where('a.completed_at', 'is', null)
			.executeTakeFirst();
		if (outstanding)
			throw new ConflictError(
				'Your standardisation scripts are waiting in your queue: mark those first.'
			);
		const seeds = await unmarkedSeeds(
			tx,
			e.markerId,
			e.paperId,
			'qualification',
			Math.max(1, settings.qualifyingSeeds)
		);
		if (seeds.length === 0) {
			throw new ConflictError(
				'There are no more standardisation scripts for you on this paper. A lead marker has been asked to review your marking.'
			);
		}
		for (const s of seeds) {
			await allocateScript(tx, {
				scriptId: s.scriptId,
				paperVersionId: s.paperVersionId,
				markerId: e.markerId,
				purpose: 'seed',
				allocatedBy: null,
				now: e.now
			});
		}
		return seeds.length;
	});
}
