import type { Transaction } from 'kysely';

import { transitionReview, type ReviewAction, type ReviewState } from '../../domain/reviews.js';
import { type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';

/*
 * Reviews of marking: the centre asks, the awarding body assigns a moderator who did not mark the
 * script, the moderator re-marks (recordMark, through moderation allocations tied to the review),
 * and the system issues a new result version and tells the centre and the candidate. Every stage
 * change goes through the domain's transitionReview, under the review's row lock, and is written
 * to the append-only review_event log and the audit log in the same transaction: this file holds
 * the lock, the move and what every stage reads of the script.
 */

interface LockedReview {
	id: string;
	attempt_id: string;
	centre_id: string;
	stage: number;
	state: ReviewState;
	moderator_id: string | null;
	result_id: number;
}

export async function lockReview(
	tx: Transaction<Database>,
	reviewId: string
): Promise<LockedReview> {
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
export async function move(
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

/** The live script of the review's attempt. */
export async function scriptOf(db: Db, attemptId: string) {
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
export async function hasMarked(db: Db, scriptId: string, userId: string): Promise<boolean> {
	const m = await db
		.selectFrom('mark')
		.select('id')
		.where('script_id', '=', scriptId)
		.where('marker_id', '=', userId)
		.limit(1)
		.executeTakeFirst();
	return m !== undefined;
}
