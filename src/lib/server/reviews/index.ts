import type { Kysely, Transaction } from 'kysely';

import { paperItems } from '../../domain/paper.js';
import {
	DEFAULT_REVIEW_SETTINGS,
	judgeReviewRequest,
	reasonProblem,
	reviewOutcome,
	transitionReview,
	type ReviewAction,
	type ReviewSettings,
	type ReviewState
} from '../../domain/reviews.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { issueReviewedResult } from '../awarding/compute.js';
import { getPaperContent } from '../bank/papers.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid } from '../validation.js';

/*
 * Reviews of marking: the centre asks, the awarding body assigns a moderator who did not mark the
 * script, the moderator re-marks (recordMark, through moderation allocations tied to the review),
 * and the system issues a new result version and tells the centre and the candidate. Every stage
 * change goes through the domain's transitionReview, under the review's row lock, and is written
 * to the append-only review_event log and the audit log in the same transaction.
 */

export async function getReviewSettings(db: Db): Promise<ReviewSettings> {
	const row = await db
		.selectFrom('review_settings')
		.select(['request_window_days', 'reply_days'])
		.executeTakeFirst();
	return row
		? { requestWindowDays: row.request_window_days, replyDays: row.reply_days }
		: DEFAULT_REVIEW_SETTINGS;
}

export async function updateReviewSettings(
	db: Kysely<Database>,
	actor: Actor,
	input: { requestWindowDays: unknown; replyDays: unknown }
): Promise<ReviewSettings> {
	const issues: { field: string; message: string }[] = [];
	const num = (v: unknown, field: string, label: string) => {
		const n = Number(String(v ?? '').trim());
		if (!Number.isInteger(n) || n < 1 || n > 365)
			issues.push({ field, message: `${label} must be a whole number of days from 1 to 365` });
		return n;
	};
	const settings = {
		requestWindowDays: num(
			input.requestWindowDays,
			'request_window_days',
			'The time to ask for a review'
		),
		replyDays: num(input.replyDays, 'reply_days', 'The time to reply')
	};
	if (issues.length) throw new ValidationError(issues[0]!.message, issues);
	await db.transaction().execute(async (tx) => {
		const before = await getReviewSettings(tx);
		await tx
			.insertInto('review_settings')
			.values({
				id: true,
				request_window_days: settings.requestWindowDays,
				reply_days: settings.replyDays,
				updated_by: actor.userId,
				updated_at: new Date()
			})
			.onConflict((oc) =>
				oc.column('id').doUpdateSet({
					request_window_days: settings.requestWindowDays,
					reply_days: settings.replyDays,
					updated_by: actor.userId,
					updated_at: new Date()
				})
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'review.settings_changed',
			details: { before, after: settings }
		});
	});
	return settings;
}

interface LockedReview {
	id: string;
	attempt_id: string;
	centre_id: string;
	stage: number;
	state: ReviewState;
	moderator_id: string | null;
	result_id: number;
}

async function lockReview(tx: Transaction<Database>, reviewId: string): Promise<LockedReview> {
	if (!isUuid(reviewId)) throw new NotFoundError('No such review');
	const r = await tx
		.selectFrom('review')
		.select(['id', 'attempt_id', 'centre_id', 'stage', 'state', 'moderator_id', 'result_id'])
		.where('id', '=', reviewId)
		.forUpdate()
		.executeTakeFirst();
	if (!r) throw new NotFoundError('No such review');
	return r;
}

/** Applies a stage change decided by the domain, records it in the event log; the caller audits. */
async function move(
	tx: Transaction<Database>,
	actor: Actor,
	review: LockedReview,
	action: ReviewAction,
	now: Date,
	set: Partial<
		Record<
			| 'moderator_id'
			| 'assigned_at'
			| 'decided_at'
			| 'informed_at'
			| 'withdrawn_at'
			| 'outcome'
			| 'new_result_id',
			unknown
		>
	> = {},
	details: Record<string, unknown> = {}
): Promise<ReviewState> {
	const t = transitionReview({ state: review.state }, action);
	if (!t.ok) throw new ConflictError(t.reason, { state: review.state });
	await tx
		.updateTable('review')
		.set({ ...(set as object), state: t.state })
		.where('id', '=', review.id)
		.execute();
	await tx
		.insertInto('review_event')
		.values({
			review_id: review.id,
			from_state: review.state,
			to_state: t.state,
			actor_user_id: actor.userId,
			actor_label: actor.label,
			details: JSON.stringify(details),
			occurred_at: now
		})
		.execute();
	review.state = t.state;
	return t.state;
}

/**
 * A centre administrator asks for a review of one candidate's released result. The attempt's row
 * is locked so two requests for the same result queue (and the partial unique index backs that
 * up); another centre's attempt is not found.
 */
export async function requestReview(
	db: Kysely<Database>,
	actor: Actor,
	input: { centreId: string; attemptId: string; reason: unknown },
	now = new Date()
): Promise<{ reviewId: string; stage: number; replyDueAt: Date }> {
	const reason = String(input.reason ?? '');
	const problem = reasonProblem(reason);
	if (problem) throw new ValidationError(problem, [{ field: 'reason', message: problem }]);
	if (!isUuid(input.attemptId) || !isUuid(input.centreId))
		throw new NotFoundError('No such result');
	return db.transaction().execute(async (tx) => {
		const a = await tx
			.selectFrom('attempt as a')
			.innerJoin('sitting as s', 's.id', 'a.sitting_id')
			.leftJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
			.select(['a.id', 's.centre_id', 'sr.released_at'])
			.where('a.id', '=', input.attemptId)
			.forUpdate('a')
			.executeTakeFirst();
		if (!a || a.centre_id !== input.centreId) throw new NotFoundError('No such result');
		// Nothing before release: an unreleased result is not shown to the centre, so it is not found.
		if (!a.released_at) throw new NotFoundError('No such result');
		const latest = await tx
			.selectFrom('result')
			.select(['id', 'status', 'version'])
			.where('attempt_id', '=', a.id)
			.orderBy('version', 'desc')
			.executeTakeFirst();
		if (!latest) throw new NotFoundError('No such result');
		const earlier = await tx
			.selectFrom('review')
			.select(['stage', 'state', 'informed_at'])
			.where('attempt_id', '=', a.id)
			.execute();
		const settings = await getReviewSettings(tx);
		const verdict = judgeReviewRequest(
			{
				releasedAt: a.released_at,
				status: latest.status,
				earlier: earlier.map((e) => ({ stage: e.stage, state: e.state, informedAt: e.informed_at }))
			},
			settings,
			now
		);
		if (!verdict.ok) throw new ConflictError(verdict.reason);
		const row = await tx
			.insertInto('review')
			.values({
				attempt_id: a.id,
				centre_id: a.centre_id,
				stage: verdict.stage,
				state: 'requested',
				reason: reason.trim(),
				result_id: latest.id,
				requested_by: actor.userId,
				requested_at: now,
				reply_due_at: verdict.replyDueAt
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		await tx
			.insertInto('review_event')
			.values({
				review_id: row.id,
				from_state: null,
				to_state: 'requested',
				actor_user_id: actor.userId,
				actor_label: actor.label,
				details: JSON.stringify({ stage: verdict.stage, result_version: latest.version }),
				occurred_at: now
			})
			.execute();
		await writeAudit(tx, actor, {
			action: 'review.requested',
			centreId: a.centre_id,
			subjectType: 'review',
			subjectId: row.id,
			details: {
				attempt: a.id,
				stage: verdict.stage,
				result_version: latest.version,
				reply_due_at: verdict.replyDueAt.toISOString()
			}
		});
		return { reviewId: row.id, stage: verdict.stage, replyDueAt: verdict.replyDueAt };
	});
}

/** The centre withdraws a request no moderator has taken yet. Another centre's review is not found. */
export async function withdrawReview(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	reviewId: string,
	now = new Date()
): Promise<void> {
	await db.transaction().execute(async (tx) => {
		const r = await lockReview(tx, reviewId);
		if (r.centre_id !== centreId) throw new NotFoundError('No such review');
		await move(tx, actor, r, { type: 'withdraw' }, now, { withdrawn_at: now });
		await writeAudit(tx, actor, {
			action: 'review.withdrawn',
			centreId: r.centre_id,
			subjectType: 'review',
			subjectId: r.id
		});
	});
}

/** The live script of the review's attempt. */
async function scriptOf(db: Db, attemptId: string) {
	const s = await db
		.selectFrom('script')
		.select(['id', 'paper_version_id', 'script_number'])
		.where('attempt_id', '=', attemptId)
		.where('kind', '=', 'live')
		.executeTakeFirst();
	if (!s) throw new ConflictError('This candidate has no script to re-mark');
	return s;
}

/** Whether the user has given any mark on the script (first, second, moderator: any that counted). */
async function hasMarked(db: Db, scriptId: string, userId: string): Promise<boolean> {
	const m = await db
		.selectFrom('mark')
		.select('id')
		.where('script_id', '=', scriptId)
		.where('marker_id', '=', userId)
		.limit(1)
		.executeTakeFirst();
	return m !== undefined;
}

/** Moderators who may take the review: every moderator who has not marked the script. */
export async function eligibleModerators(db: Db, reviewId: string) {
	if (!isUuid(reviewId)) throw new NotFoundError('No such review');
	const r = await db
		.selectFrom('review')
		.select(['attempt_id'])
		.where('id', '=', reviewId)
		.executeTakeFirst();
	if (!r) throw new NotFoundError('No such review');
	const script = await scriptOf(db, r.attempt_id);
	return db
		.selectFrom('app_user as u')
		.innerJoin('membership as m', 'm.user_id', 'u.id')
		.select(['u.id', 'u.display_name', 'u.email'])
		.where('m.role', '=', 'moderator')
		.where('u.disabled_at', 'is', null)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					selectFrom('mark')
						.select('mark.id')
						.where('mark.script_id', '=', script.id)
						.whereRef('mark.marker_id', '=', 'u.id')
				)
			)
		)
		.distinct()
		.orderBy('u.display_name')
		.execute();
}

/**
 * The awarding administrator assigns a moderator who has not marked the script (checked against
 * the mark rows, under the review's lock): one moderation allocation per item, tied to the review.
 */
export async function assignReviewer(
	db: Kysely<Database>,
	actor: Actor,
	reviewId: string,
	moderatorId: string,
	now = new Date()
): Promise<void> {
	await db.transaction().execute(async (tx) => {
		const r = await lockReview(tx, reviewId);
		const script = await scriptOf(tx, r.attempt_id);
		const isModerator =
			isUuid(moderatorId) &&
			(await tx
				.selectFrom('membership as m')
				.innerJoin('app_user as u', 'u.id', 'm.user_id')
				.select('m.id')
				.where('m.user_id', '=', moderatorId)
				.where('m.role', '=', 'moderator')
				.where('u.disabled_at', 'is', null)
				.executeTakeFirst()) !== undefined;
		const marked = isModerator ? await hasMarked(tx, script.id, moderatorId) : false;
		await move(
			tx,
			actor,
			r,
			{ type: 'assign', moderatorIsModerator: isModerator, moderatorMarkedScript: marked },
			now,
			{ moderator_id: moderatorId, assigned_at: now },
			{ moderator: moderatorId }
		);
		const items = paperItems(await getPaperContent(tx, script.paper_version_id));
		await tx
			.insertInto('allocation')
			.values(
				items.map((i) => ({
					script_id: script.id,
					item_key: i.key,
					marker_id: moderatorId,
					purpose: 'moderation' as const,
					allocated_by: actor.userId,
					allocated_at: now,
					review_id: r.id
				}))
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'review.assigned',
			centreId: r.centre_id,
			subjectType: 'review',
			subjectId: r.id,
			details: { moderator: moderatorId, stage: r.stage }
		});
	});
}

/**
 * The assigned moderator, having re-marked every item (recordMark completes the review's
 * allocations when the last is marked), issues the outcome: a new result version with cause
 * 'review' (the old versions stay), the outcome compared with the version asked about, and the
 * centre and the candidate told (the review moves on to informed; both see it on their pages).
 */
export async function decideReview(
	db: Kysely<Database>,
	actor: Actor & { userId: string },
	reviewId: string,
	now = new Date()
) {
	return db.transaction().execute(async (tx) => {
		const r = await lockReview(tx, reviewId);
		// Only the assigned moderator sees the review at all: anyone else is told it does not exist.
		if (r.moderator_id !== actor.userId) throw new NotFoundError('No such review');
		const open = await tx
			.selectFrom('allocation')
			.select('id')
			.where('review_id', '=', r.id)
			.where('withdrawn_at', 'is', null)
			.where('completed_at', 'is', null)
			.executeTakeFirst();
		const t = transitionReview(
			{ state: r.state },
			{ type: 'decide', byAssignedModerator: true, everyItemRemarked: open === undefined }
		);
		if (!t.ok) throw new ConflictError(t.reason, { state: r.state });
		const { before, after } = await issueReviewedResult(tx, actor, r.attempt_id, now);
		const asked = await tx
			.selectFrom('result')
			.select(['grade', 'total', 'codes'])
			.where('id', '=', r.result_id)
			.executeTakeFirstOrThrow();
		const outcome = reviewOutcome(asked, after);
		await move(
			tx,
			actor,
			r,
			{ type: 'decide', byAssignedModerator: true, everyItemRemarked: true },
			now,
			{ decided_at: now, outcome, new_result_id: after.id },
			{
				outcome,
				result_version: after.version
			}
		);
		await writeAudit(tx, actor, {
			action: 'review.decided',
			centreId: r.centre_id,
			subjectType: 'review',
			subjectId: r.id,
			details: {
				outcome,
				stage: r.stage,
				before: {
					version: before.version,
					grade: before.grade,
					total: before.total,
					codes: before.codes
				},
				after: {
					version: after.version,
					grade: after.grade,
					total: after.total,
					codes: after.codes
				}
			}
		});
		// The centre sees the outcome on the candidate's page and the candidate on their results page
		// from this commit on: that is how both are told, recorded as its own stage.
		await move(
			tx,
			{ userId: null, label: 'system' },
			r,
			{ type: 'inform' },
			now,
			{ informed_at: now },
			{ centre: true, candidate: true }
		);
		await writeAudit(
			tx,
			{ userId: null, label: 'system' },
			{
				action: 'review.informed',
				centreId: r.centre_id,
				subjectType: 'review',
				subjectId: r.id,
				details: { outcome }
			}
		);
		return { outcome, version: after.version };
	});
}

/** Reviews of a candidate's results as the centre (or the candidate) sees them, newest first. */
export async function reviewsOfAttempts(db: Db, attemptIds: readonly string[]) {
	if (attemptIds.length === 0) return [];
	return db
		.selectFrom('review as r')
		.leftJoin('result as nr', 'nr.id', 'r.new_result_id')
		.select([
			'r.id',
			'r.attempt_id',
			'r.stage',
			'r.state',
			'r.reason',
			'r.outcome',
			'r.requested_at',
			'r.reply_due_at',
			'r.decided_at',
			'r.informed_at',
			'nr.version as new_version'
		])
		.where('r.attempt_id', 'in', attemptIds)
		.orderBy('r.requested_at', 'desc')
		.execute();
}

/** The awarding body's list: every review, open ones first, with its paper and script number (no names). */
export async function listReviews(db: Db) {
	return db
		.selectFrom('review as r')
		.innerJoin('centre as c', 'c.id', 'r.centre_id')
		.innerJoin('script as sc', (j) =>
			j.onRef('sc.attempt_id', '=', 'r.attempt_id').on('sc.kind', '=', 'live')
		)
		.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.leftJoin('app_user as m', 'm.id', 'r.moderator_id')
		.select([
			'r.id',
			'r.stage',
			'r.state',
			'r.reason',
			'r.outcome',
			'r.requested_at',
			'r.reply_due_at',
			'c.number as centre_number',
			'sc.script_number',
			'p.code as paper_code',
			'm.display_name as moderator_name'
		])
		.orderBy('r.requested_at', 'desc')
		.execute();
}

/** A moderator's own reviews (anonymous: the script number and the paper, the centre's reason). */
export async function moderatorReviews(db: Db, moderatorId: string) {
	return db
		.selectFrom('review as r')
		.innerJoin('script as sc', (j) =>
			j.onRef('sc.attempt_id', '=', 'r.attempt_id').on('sc.kind', '=', 'live')
		)
		.innerJoin('paper_version as v', 'v.id', 'sc.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select([
			'r.id',
			'r.stage',
			'r.state',
			'r.reply_due_at',
			'sc.script_number',
			'p.code as paper_code'
		])
		.where('r.moderator_id', '=', moderatorId)
		.orderBy('r.reply_due_at')
		.execute();
}

/**
 * What the assigned moderator needs to re-mark: the script's items with the answers and the
 * review's allocations (recordMark takes those), the moderator's own re-marks so far, and the
 * centre's reason. Nothing names the candidate or the centre, and the earlier marks are not shown
 * (the re-mark is made afresh). Anyone but the assigned moderator: not found.
 */
export async function reviewForModerator(
	db: Kysely<Database>,
	moderatorId: string,
	reviewId: string
) {
	if (!isUuid(reviewId)) throw new NotFoundError('No such review');
	const r = await db
		.selectFrom('review')
		.select([
			'id',
			'attempt_id',
			'stage',
			'state',
			'reason',
			'reply_due_at',
			'moderator_id',
			'outcome'
		])
		.where('id', '=', reviewId)
		.executeTakeFirst();
	if (!r || r.moderator_id !== moderatorId) throw new NotFoundError('No such review');
	const script = await scriptOf(db, r.attempt_id);
	const paper = await getPaperContent(db, script.paper_version_id);
	const [allocations, answers, marks] = await Promise.all([
		db
			.selectFrom('allocation')
			.select(['id', 'item_key', 'completed_at'])
			.where('review_id', '=', r.id)
			.where('withdrawn_at', 'is', null)
			.execute(),
		db
			.selectFrom('response')
			.select(['item_key', 'text'])
			.where('attempt_id', '=', r.attempt_id)
			.execute(),
		db
			.selectFrom('mark')
			.select(['item_key', 'mark', 'fk', 'id'])
			.where('script_id', '=', script.id)
			.where('marker_id', '=', moderatorId)
			.where('allocation_id', 'in', (eb) =>
				eb.selectFrom('allocation').select('allocation.id').where('allocation.review_id', '=', r.id)
			)
			.orderBy('id')
			.execute()
	]);
	const latest = new Map(marks.map((m) => [m.item_key, m]));
	const items = paperItems(paper).map((i) => ({
		key: i.key,
		label: i.label,
		marks: i.marks,
		stem: i.stem,
		answer: answers.find((a) => a.item_key === i.key)?.text ?? '',
		allocationId: allocations.find((a) => a.item_key === i.key)?.id ?? null,
		given: latest.get(i.key) ? { mark: latest.get(i.key)!.mark, fk: latest.get(i.key)!.fk } : null
	}));
	return {
		review: {
			id: r.id,
			stage: r.stage,
			state: r.state,
			reason: r.reason,
			replyDueAt: r.reply_due_at,
			outcome: r.outcome
		},
		scriptNumber: script.script_number,
		paperCode: paper.code,
		items
	};
}
