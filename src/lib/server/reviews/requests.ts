import type { Kysely } from 'kysely';

import { judgeReviewRequest, reasonProblem } from '../../domain/reviews.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid } from '../validation.js';
import { getReviewSettings } from './settings.js';
import { lockReview, move } from './stages.js';

/* The centre's side of a review: asking for one, withdrawing it, and the reviews of its results. */

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
