import { randomInt } from 'node:crypto';

import {
	judgePair,
	secondMarkingTransition,
	selectForSecondMarking
} from '../../domain/second-marking.js';
import { SYSTEM_ACTOR, writeAudit } from '../audit/index.js';
import type { Db } from '../db/index.js';
import {
	allocateScript,
	holdersOf,
	latestMarksOf,
	leastLoaded,
	paperSettings,
	scriptPaper,
	sum,
	usersWithRole
} from './quality.js';
import { applySecondMarkingAction, considerForSecondMarking } from './second-marking-state.js';
import { liveMarkers } from './standing.js';

/*
 * Second marking (issue 11 item 6). Selection runs when a paper version's first marking is
 * complete, not per script as each completes: the sample is a share of the paper's scripts with at
 * least one taken, which needs the whole set to draw from, and a script's distance from a boundary
 * is only known once its first total is final. Each run considers the scripts no earlier run did
 * (a later sitting of the same version is a new batch). Runs are serialised by a row lock on the
 * paper version, so two markers finishing the last two scripts at once cannot both miss the moment.
 */

/** Live scripts of the version (still standing) that lack a complete first marking. */
async function firstMarkingComplete(tx: Db, paperVersionId: string): Promise<boolean> {
	const open = await tx
		.selectFrom('script as sc')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.select('sc.id')
		.where('sc.paper_version_id', '=', paperVersionId)
		.where('sc.kind', '=', 'live')
		.where('at.state', '=', 'submitted')
		.where(({ or, not, exists, selectFrom }) =>
			or([
				not(
					exists(
						selectFrom('allocation as a')
							.select('a.id')
							.whereRef('a.script_id', '=', 'sc.id')
							.where('a.purpose', '=', 'first')
							.where('a.withdrawn_at', 'is', null)
					)
				),
				exists(
					selectFrom('allocation as a')
						.select('a.id')
						.whereRef('a.script_id', '=', 'sc.id')
						.where('a.purpose', '=', 'first')
						.where('a.withdrawn_at', 'is', null)
						.where(({ not, exists, selectFrom }) =>
							not(
								exists(
									selectFrom('mark as m').select('m.id').whereRef('m.allocation_id', '=', 'a.id')
								)
							)
						)
				)
			])
		)
		.limit(1)
		.executeTakeFirst();
	return !open;
}

/** The seam's 'first' purpose: when the version's first marking has just become complete, select and route. */
export async function onFirstMarked(
	tx: Db,
	e: { scriptId: string; now: Date },
	draw: (n: number) => number = randomInt
): Promise<void> {
	const paper = await scriptPaper(tx, e.scriptId);
	if (paper.kind !== 'live') return;
	await tx
		.selectFrom('paper_version')
		.select('id')
		.where('id', '=', paper.paperVersionId)
		.forUpdate()
		.executeTakeFirst();
	if (!(await firstMarkingComplete(tx, paper.paperVersionId))) return;
	const fresh = await tx
		.selectFrom('script as sc')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.leftJoin('second_marking as sm', 'sm.script_id', 'sc.id')
		.select('sc.id')
		.where('sc.paper_version_id', '=', paper.paperVersionId)
		.where('sc.kind', '=', 'live')
		.where('at.state', '=', 'submitted')
		.where('sm.script_id', 'is', null)
		.orderBy('sc.created_at')
		.orderBy('sc.id')
		.execute();
	if (fresh.length === 0) return;
	const settings = await paperSettings(tx, paper.paperId);
	const scripts = [];
	for (const s of fresh)
		scripts.push({ scriptId: s.id, total: sum(await latestMarksOf(tx, s.id, 'first')) });
	const picked = new Map(
		selectForSecondMarking(scripts, paper, settings, draw).map((p) => [p.scriptId, p.reason])
	);
	for (const s of scripts) {
		const reason = picked.get(s.scriptId) ?? null;
		await considerForSecondMarking(tx, reason ? 'select' : 'pass_over', {
			script_id: s.scriptId,
			paper_version_id: paper.paperVersionId,
			reason,
			considered_at: e.now,
			first_total: s.total
		});
	}
	await writeAudit(tx, SYSTEM_ACTOR, {
		action: 'marking.second_marking_selected',
		subjectType: 'paper_version',
		subjectId: paper.paperVersionId,
		details: {
			considered: scripts.length,
			boundary: [...picked.values()].filter((r) => r === 'boundary').length,
			sample: [...picked.values()].filter((r) => r === 'sample').length
		}
	});
	await allocateAwaitingSecondMarking(tx, paper.paperId, e.now);
}

/**
 * Gives each selected script that has no second marker yet to a live marker on the paper who never
 * held it for first marking, least loaded first. Scripts with nobody eligible wait (awaiting_marker)
 * and are tried again when a marker qualifies or is reinstated.
 */
export async function allocateAwaitingSecondMarking(
	tx: Db,
	paperId: string,
	now: Date
): Promise<number> {
	const waiting = await tx
		.selectFrom('second_marking as sm')
		.innerJoin('paper_version as pv', 'pv.id', 'sm.paper_version_id')
		.select(['sm.script_id as scriptId', 'sm.paper_version_id as paperVersionId', 'sm.state'])
		.where('pv.paper_id', '=', paperId)
		.where('sm.state', '=', 'awaiting_marker')
		.orderBy('sm.considered_at')
		.orderBy('sm.script_id')
		.forUpdate()
		.execute();
	if (waiting.length === 0) return 0;
	const markers = await liveMarkers(tx, paperId);
	let given = 0;
	for (const w of waiting) {
		const firstMarkers = new Set(await holdersOf(tx, w.scriptId, ['first']));
		const to = await leastLoaded(
			tx,
			markers.filter((m) => !firstMarkers.has(m))
		);
		if (!to) continue;
		await allocateScript(tx, {
			scriptId: w.scriptId,
			paperVersionId: w.paperVersionId,
			markerId: to,
			purpose: 'second',
			allocatedBy: null,
			now
		});
		await applySecondMarkingAction(tx, { script_id: w.scriptId, state: w.state }, 'allocate');
		given++;
	}
	return given;
}

/**
 * The seam's 'second' purpose: compare the totals. Within the paper's tolerance the pair agrees
 * (the second mark, of higher authority, stands); beyond it the script goes to a moderator who
 * marked neither.
 */
export async function onSecondMarked(tx: Db, e: { scriptId: string; now: Date }): Promise<void> {
	const sm = await tx
		.selectFrom('second_marking')
		.selectAll()
		.where('script_id', '=', e.scriptId)
		.forUpdate()
		.executeTakeFirst();
	// Not being second-marked (not chosen, or already settled): nothing to compare.
	if (!sm || !secondMarkingTransition(sm.state, 'agree').ok) return;
	const paper = await scriptPaper(tx, e.scriptId);
	const settings = await paperSettings(tx, paper.paperId);
	const firstTotal = sum(await latestMarksOf(tx, e.scriptId, 'first'));
	const secondTotal = sum(await latestMarksOf(tx, e.scriptId, 'second'));
	const pair = judgePair(firstTotal, secondTotal, settings.secondMarkTolerance);
	if (pair.outcome === 'agree') {
		await applySecondMarkingAction(tx, sm, 'agree', {
			first_total: firstTotal,
			second_total: secondTotal,
			second_marked_at: e.now
		});
		return;
	}
	await applySecondMarkingAction(tx, sm, 'refer', {
		first_total: firstTotal,
		second_total: secondTotal,
		second_marked_at: e.now,
		referred_at: e.now
	});
	const markedIt = new Set(await holdersOf(tx, e.scriptId, ['first', 'second']));
	const moderator = await leastLoaded(
		tx,
		(await usersWithRole(tx, 'moderator')).filter((m) => !markedIt.has(m))
	);
	if (moderator) {
		await allocateScript(tx, {
			scriptId: e.scriptId,
			paperVersionId: paper.paperVersionId,
			markerId: moderator,
			purpose: 'moderation',
			allocatedBy: null,
			now: e.now
		});
	}
	await writeAudit(tx, SYSTEM_ACTOR, {
		action: 'marking.referred_to_moderator',
		subjectType: 'script',
		subjectId: e.scriptId,
		details: {
			scriptNumber: paper.scriptNumber,
			firstTotal,
			secondTotal,
			tolerance: settings.secondMarkTolerance,
			moderator
		}
	});
}
