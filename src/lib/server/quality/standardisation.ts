import type { Kysely } from 'kysely';
import { z } from 'zod';

import {
	judgeSeed,
	qualificationProgress,
	seedDue,
	shouldStop,
	trailingMisses,
	type SeedItemJudgement,
	type SeedPurpose
} from '../../domain/standardisation.js';
import { SYSTEM_ACTOR, writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { violatedUniqueConstraint } from '../db/unique.js';
import { ConflictError, ValidationError } from '../errors.js';
import { newScriptNumber } from '../marking/scripts.js';
import {
	allocateScript,
	latestMarksOf,
	leastLoaded,
	lockUser,
	paperItems,
	paperSettings,
	scriptPaper
} from './quality.js';
import { allocateAwaitingSecondMarking } from './second-marking.js';
import { currentStanding, judgementsOf, liveMarkers, setStanding } from './standing.js';

/*
 * Standardisation (issue 11 item 7): seeds with agreed marks, a marker's standing on a paper
 * (standardising → live ⇄ stopped, append-only), judging each seed a marker finishes, and the lead's
 * review of a stopped marker.
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
			await writeAudit(tx as Kysely<Database>, SYSTEM_ACTOR, {
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
			await writeAudit(tx as Kysely<Database>, SYSTEM_ACTOR, {
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

const MAX_RATIONALE = 4000;

const seedInput = z.object({
	scriptNumber: z.string().trim().min(1, 'Give the number of the script to copy'),
	purpose: z.enum(['qualification', 'live'], {
		message: 'Choose whether the seed is for qualification or for live marking'
	}),
	rationale: z
		.string()
		.trim()
		.min(1, 'Give the rationale markers will read')
		.max(MAX_RATIONALE, `The rationale may be at most ${MAX_RATIONALE} characters`),
	marks: z.record(z.string(), z.string())
});

/**
 * A lead makes a seed: a copy of a live script under a number of its own (a marker cannot tell it
 * from live work), the agreed mark of every item (each within the item's marks) and the rationale.
 */
export async function createSeed(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	input: unknown,
	now: Date
): Promise<{ scriptId: string }> {
	const parsed = seedInput.safeParse(input);
	if (!parsed.success) {
		throw new ValidationError(
			parsed.error.issues[0]!.message,
			parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }))
		);
	}
	const v = parsed.data;
	const source = await db
		.selectFrom('script')
		.selectAll()
		.where('script_number', '=', v.scriptNumber.toUpperCase())
		.executeTakeFirst();
	if (!source || source.kind !== 'live')
		throw new ValidationError(`There is no live script numbered ${v.scriptNumber}`, [
			{ field: 'scriptNumber', message: 'No such live script' }
		]);
	const paper = await scriptPaper(db, source.id);
	const items = await paperItems(db, source.paper_version_id);
	const agreed = agreedMarksFrom(items, v.marks);
	for (let tries = 0; ; tries++) {
		try {
			return await db.transaction().execute(async (tx) => {
				const copy = await tx
					.insertInto('script')
					.values({
						script_number: newScriptNumber(),
						paper_version_id: source.paper_version_id,
						attempt_id: source.attempt_id,
						kind: 'seed',
						source_script_id: source.id
					})
					.returning('id')
					.executeTakeFirstOrThrow();
				const seed = await tx
					.insertInto('seed')
					.values({
						script_id: copy.id,
						paper_id: paper.paperId,
						purpose: v.purpose,
						rationale: v.rationale,
						created_by: actor.userId,
						created_at: now
					})
					.returning('id')
					.executeTakeFirstOrThrow();
				await tx
					.insertInto('mark')
					.values(
						agreed.map((a) => ({
							script_id: copy.id,
							item_key: a.itemKey,
							marker_id: actor.userId,
							authority: 'agreed' as const,
							mark: a.mark,
							created_at: now
						}))
					)
					.execute();
				await writeAudit(tx, actor, {
					action: 'marking.seed_created',
					subjectType: 'script',
					subjectId: copy.id,
					details: {
						seedId: seed.id,
						sourceScript: source.script_number,
						purpose: v.purpose,
						total: agreed.reduce((s, a) => s + a.mark, 0)
					}
				});
				return { scriptId: copy.id };
			});
		} catch (err) {
			if (tries < 4 && violatedUniqueConstraint(err) === 'script_script_number_key') continue;
			throw err;
		}
	}
}

/** Marks typed per item ("3" for item '1'…): whole numbers from 0 to the item's marks, every item given. */
export function agreedMarksFrom(
	items: { itemKey: string; label: string; maxMarks: number }[],
	typed: Record<string, string>
) {
	const issues: { field: string; message: string }[] = [];
	const out: { itemKey: string; mark: number }[] = [];
	for (const i of items) {
		const raw = (typed[i.itemKey] ?? '').trim();
		if (!/^\d+$/.test(raw) || Number(raw) > i.maxMarks) {
			issues.push({
				field: `mark-${i.itemKey}`,
				message: `Mark for question ${i.label} must be a whole number from 0 to ${i.maxMarks}`
			});
		} else out.push({ itemKey: i.itemKey, mark: Number(raw) });
	}
	if (issues.length) throw new ValidationError(issues[0]!.message, issues);
	return out;
}

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

export interface SeedFeedback {
	scriptNumber: string;
	purpose: SeedPurpose;
	within: boolean;
	givenTotal: number;
	agreedTotal: number;
	items: (SeedItemJudgement & { label: string })[];
	rationale: string;
	judgedAt: Date;
}

/** A marker's judged seeds on a paper with the agreed marks and rationale: shown only once they have qualified. */
export async function seedFeedback(
	db: Db,
	markerId: string,
	paperId: string
): Promise<SeedFeedback[] | null> {
	const qualified = await db
		.selectFrom('marker_standing')
		.select('id')
		.where('marker_id', '=', markerId)
		.where('paper_id', '=', paperId)
		.where('standing', '=', 'live')
		.executeTakeFirst();
	if (!qualified) return null;
	const rows = await db
		.selectFrom('seed_judgement as j')
		.innerJoin('seed as s', 's.script_id', 'j.seed_script_id')
		.innerJoin('script as sc', 'sc.id', 's.script_id')
		.select([
			'sc.script_number',
			'sc.paper_version_id',
			'j.purpose',
			'j.within',
			'j.given_total',
			'j.agreed_total',
			'j.items',
			's.rationale',
			'j.judged_at'
		])
		.where('j.marker_id', '=', markerId)
		.where('j.paper_id', '=', paperId)
		.orderBy('j.id', 'desc')
		.execute();
	const labels = new Map<string, Map<string, string>>();
	const out: SeedFeedback[] = [];
	for (const r of rows) {
		if (!labels.has(r.paper_version_id))
			labels.set(
				r.paper_version_id,
				new Map((await paperItems(db, r.paper_version_id)).map((i) => [i.itemKey, i.label]))
			);
		const l = labels.get(r.paper_version_id)!;
		out.push({
			scriptNumber: r.script_number,
			purpose: r.purpose,
			within: r.within,
			givenTotal: r.given_total,
			agreedTotal: r.agreed_total,
			items: (r.items as SeedItemJudgement[]).map((i) => ({
				...i,
				label: l.get(i.itemKey) ?? i.itemKey
			})),
			rationale: r.rationale,
			judgedAt: r.judged_at
		});
	}
	return out;
}

/** The seeds of a paper for the lead: number, source, purpose, agreed total, rationale, how many markers took each. */
export async function listSeeds(db: Db, paperId: string) {
	const rows = await db
		.selectFrom('seed as s')
		.innerJoin('script as sc', 'sc.id', 's.script_id')
		.innerJoin('script as src', 'src.id', 'sc.source_script_id')
		.innerJoin('app_user as u', 'u.id', 's.created_by')
		.select([
			's.id',
			's.script_id as scriptId',
			'sc.script_number as scriptNumber',
			'src.script_number as sourceNumber',
			's.purpose',
			's.rationale',
			'u.display_name as createdBy',
			's.created_at as createdAt'
		])
		.where('s.paper_id', '=', paperId)
		.orderBy('s.created_at')
		.execute();
	const out = [];
	for (const r of rows) {
		const agreed = await latestMarksOf(db, r.scriptId, 'agreed');
		const judged = await db
			.selectFrom('seed_judgement')
			.select([
				(eb) => eb.fn.countAll<number>().as('n'),
				(eb) => eb.fn.count<number>('id').filterWhere('within', '=', true).as('within')
			])
			.where('seed_script_id', '=', r.scriptId)
			.executeTakeFirst();
		out.push({
			...r,
			agreedTotal: [...agreed.values()].reduce((s, m) => s + m, 0),
			judged: Number(judged?.n ?? 0),
			within: Number(judged?.within ?? 0)
		});
	}
	return out;
}
