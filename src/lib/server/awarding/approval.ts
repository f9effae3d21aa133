import { sql, type Kysely, type Transaction } from 'kysely';

import { paperSchema } from '../../domain/paper.js';
import { awardingStateOf, gradeChanges, gradeCounts, resolveRules } from '../../domain/results.js';
import { count } from '../../domain/words.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { checkBoundaries } from './boundaries.js';
import { computeSittingResults, markingProgress } from './compute.js';
import { sittingRecords } from './sitting-records.js';

/*
 * Awarding: a paper version's results go computed → approved → released. Approval locks the
 * boundaries and the results; release makes them visible to centres and candidates.
 */

async function lockVersion(tx: Transaction<Database>, paperVersionId: string) {
	if (!isUuid(paperVersionId)) throw new NotFoundError('No such paper version');
	const v = await tx
		.selectFrom('paper_version as v')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			'v.id',
			'v.pass_mark',
			'v.first_class_mark',
			'v.boundaries_locked_at',
			'p.code',
			'v.version'
		])
		.where('v.id', '=', paperVersionId)
		.forUpdate('v')
		.executeTakeFirst();
	if (!v) throw new NotFoundError('No such paper version');
	return v;
}

/** The ended sittings of a paper version and where their results stand (who approved and released them). */
export async function sittingsForAwarding(db: Db, paperVersionId: string) {
	return (
		db
			.selectFrom('sitting as s')
			.innerJoin('centre as c', 'c.id', 's.centre_id')
			.leftJoin('sitting_results as r', 'r.sitting_id', 's.id')
			.leftJoin('app_user as ap', 'ap.id', 'r.approved_by')
			.leftJoin('app_user as rl', 'rl.id', 'r.released_by')
			.select([
				's.id',
				's.scheduled_at',
				's.room',
				'c.number as centre_number',
				'c.name as centre_name',
				'r.computed_at',
				'r.approved_at',
				'ap.display_name as approved_by',
				'r.released_at',
				'rl.display_name as released_by'
			])
			.where('s.paper_version_id', '=', paperVersionId)
			.where('s.state', '=', 'ended')
			// Mocks are the centre's own: never awarded.
			.where('s.purpose', '=', 'live')
			.orderBy('s.scheduled_at')
			.execute()
	);
}

/** Approves every computed result of the paper version and locks its boundaries. Refused while a sitting's results are not computed. */
export async function approveResults(
	db: Kysely<Database>,
	actor: Actor,
	paperVersionId: string,
	now = new Date()
): Promise<number> {
	// Marks given since the results were computed (a second marker's, a moderator's) are taken in
	// first; this refuses, saying why, while any of them is still open.
	for (const s of await sittingsForAwarding(db, paperVersionId)) {
		if (s.computed_at && !s.approved_at)
			await computeSittingResults(db, actor, s.id, 'computed', now);
	}
	return db.transaction().execute(async (tx) => {
		const v = await lockVersion(tx, paperVersionId);
		const sittings = await sittingsForAwarding(tx, paperVersionId);
		const notComputed = sittings.filter((s) => !s.computed_at).length;
		if (sittings.length === 0)
			throw new ConflictError(
				'No sitting of this paper has ended yet: there are no results to approve'
			);
		if (notComputed > 0)
			throw new ConflictError(
				`${count(notComputed, 'sitting')} of this paper still being marked: approve when every result is computed`
			);
		const approved = await tx
			.updateTable('sitting_results')
			.set({ approved_at: now, approved_by: actor.userId })
			.where('approved_at', 'is', null)
			.where('sitting_id', 'in', (eb) =>
				eb.selectFrom('sitting').select('id').where('paper_version_id', '=', paperVersionId)
			)
			.returning('sitting_id')
			.execute();
		if (approved.length === 0) throw new ConflictError('These results are already approved');
		await tx
			.updateTable('paper_version')
			.set({ boundaries_locked_at: now })
			.where('id', '=', paperVersionId)
			.execute();
		await writeAudit(tx, actor, {
			action: 'results.approved',
			subjectType: 'paper_version',
			subjectId: paperVersionId,
			details: {
				paper: v.code,
				version: v.version,
				sittings: approved.length,
				pass: v.pass_mark,
				first_class: v.first_class_mark
			}
		});
		return approved.length;
	});
}

/** Releases every approved, unreleased result of the paper version to centres and candidates. */
export async function releaseResults(
	db: Kysely<Database>,
	actor: Actor,
	paperVersionId: string,
	now = new Date()
): Promise<number> {
	return db.transaction().execute(async (tx) => {
		const v = await lockVersion(tx, paperVersionId);
		const released = await tx
			.updateTable('sitting_results')
			.set({ released_at: now, released_by: actor.userId })
			.where('approved_at', 'is not', null)
			.where('released_at', 'is', null)
			.where('sitting_id', 'in', (eb) =>
				eb.selectFrom('sitting').select('id').where('paper_version_id', '=', paperVersionId)
			)
			.returning('sitting_id')
			.execute();
		if (released.length === 0)
			throw new ConflictError('Nothing to release: approve the results first');
		await writeAudit(tx, actor, {
			action: 'results.released',
			subjectType: 'paper_version',
			subjectId: paperVersionId,
			details: { paper: v.code, version: v.version, sittings: released.length }
		});
		return released.length;
	});
}

/** Whether any results of the paper version are approved (they lock its boundaries and its voided attempts). */
export async function resultsApproved(db: Db, paperVersionId: string): Promise<boolean> {
	const row = await db
		.selectFrom('sitting_results as r')
		.innerJoin('sitting as s', 's.id', 'r.sitting_id')
		.select(sql<number>`1`.as('one'))
		.where('s.paper_version_id', '=', paperVersionId)
		.where('r.approved_at', 'is not', null)
		.executeTakeFirst();
	return row !== undefined;
}

/** The graded totals of the paper version's computed, unapproved results (the awarding chart and preview). */
export async function gradedTotals(db: Db, paperVersionId: string): Promise<number[]> {
	const rows = await db
		.selectFrom('result as r')
		.innerJoin('attempt as a', 'a.id', 'r.attempt_id')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.select(['r.attempt_id', 'r.total', 'r.status', 'r.version'])
		.where('s.paper_version_id', '=', paperVersionId)
		.distinctOn('r.attempt_id')
		.orderBy('r.attempt_id')
		.orderBy('r.version', 'desc')
		.execute();
	return rows.filter((r) => r.status === 'graded' && r.total !== null).map((r) => r.total!);
}

/**
 * How many candidates would change grade if the boundaries moved to `input` (a form's pass and
 * first_class, checked as saving checks them), before anything is saved. Refused once locked.
 */
export async function previewBoundaries(db: Db, paperVersionId: string, input: unknown) {
	if (!isUuid(paperVersionId)) throw new NotFoundError('No such paper version');
	const v = await db
		.selectFrom('paper_version')
		.select(['pass_mark', 'first_class_mark', 'total_marks', 'boundaries_locked_at'])
		.where('id', '=', paperVersionId)
		.executeTakeFirst();
	if (!v) throw new NotFoundError('No such paper version');
	if (v.boundaries_locked_at)
		throw new ConflictError('Boundaries are locked: results for this paper have been approved.');
	const to = checkBoundaries(input, v.total_marks);
	const from = { pass: v.pass_mark, firstClass: v.first_class_mark };
	const totals = await gradedTotals(db, paperVersionId);
	return {
		from,
		to,
		...gradeChanges(totals, from, to),
		before: gradeCounts(totals, from),
		after: gradeCounts(totals, to)
	};
}

/**
 * Everything the awarding page shows for a paper version: each ended sitting with its marking
 * progress and where its results stand, the graded totals, the rules in force, and the version's
 * state (released once every sitting is; approved once any is, as approval locks the boundaries).
 */
export async function awardingOverview(db: Db, paperVersionId: string) {
	if (!isUuid(paperVersionId)) throw new NotFoundError('No such paper version');
	const v = await db
		.selectFrom('paper_version')
		.select(['content', 'total_marks', 'pass_mark', 'first_class_mark', 'boundaries_locked_at'])
		.where('id', '=', paperVersionId)
		.executeTakeFirst();
	if (!v) throw new NotFoundError('No such paper version');
	const paper = paperSchema.parse(v.content);
	const ended = await sittingsForAwarding(db, paperVersionId);
	const records = await sittingRecords(
		db,
		ended.map((s) => s.id)
	);
	const sittings = await Promise.all(
		ended.map(async (s) => ({
			...s,
			progress: await markingProgress(db, s.id),
			record: records.get(s.id)!
		}))
	);
	const totals = await gradedTotals(db, paperVersionId);
	const state = awardingStateOf(
		sittings.map((s) => ({
			computedAt: s.computed_at,
			approvedAt: s.approved_at,
			releasedAt: s.released_at
		}))
	);
	return {
		totalMarks: v.total_marks,
		boundaries: { pass: v.pass_mark, firstClass: v.first_class_mark },
		locked: v.boundaries_locked_at !== null,
		rules: resolveRules(v.total_marks, paper.rules),
		/** The rules this paper sets itself (the rest are this system's defaults). */
		rulesOverridden: Object.keys(paper.rules ?? {}),
		sittings,
		totals,
		state
	};
}

/** After the boundaries move (before approval), the computed results of the version are graded again, as new versions. */
export async function regradeAfterBoundaries(
	db: Kysely<Database>,
	actor: Actor,
	paperVersionId: string,
	now = new Date()
): Promise<number> {
	const sittings = await sittingsForAwarding(db, paperVersionId);
	let written = 0;
	for (const s of sittings) {
		if (s.computed_at && !s.approved_at)
			written += await computeSittingResults(db, actor, s.id, 'boundaries', now);
	}
	return written;
}

/** Every paper version with an ended sitting, and how many of its sittings' results are computed, approved, released. */
export async function papersForAwarding(db: Db) {
	const rows = await db
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.leftJoin('sitting_results as r', 'r.sitting_id', 's.id')
		.select((eb) => [
			'p.code',
			'v.title',
			'v.version',
			'v.pass_mark',
			'v.first_class_mark',
			'v.boundaries_locked_at',
			eb.fn.count<number>('s.id').as('sittings'),
			eb.fn.count<number>('r.computed_at').as('computed'),
			eb.fn.count<number>('r.approved_at').as('approved'),
			eb.fn.count<number>('r.released_at').as('released')
		])
		.where('s.state', '=', 'ended')
		.where('s.purpose', '=', 'live')
		.groupBy([
			'p.code',
			'v.title',
			'v.version',
			'v.pass_mark',
			'v.first_class_mark',
			'v.boundaries_locked_at'
		])
		.orderBy('p.code')
		.orderBy('v.version', 'desc')
		.execute();
	return rows.map((r) => ({
		code: r.code,
		title: r.title,
		version: r.version,
		pass: r.pass_mark,
		firstClass: r.first_class_mark,
		locked: r.boundaries_locked_at !== null,
		sittings: r.sittings,
		computed: r.computed,
		approved: r.approved,
		released: r.released
	}));
}
