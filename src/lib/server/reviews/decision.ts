import type { Kysely } from 'kysely';

import { paperItems } from '../../domain/paper.js';
import { reviewOutcome, transitionReview } from '../../domain/reviews.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { issueReviewedResult } from '../awarding/compute.js';
import { getPaperContent } from '../bank/papers.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { lockReview, move, scriptOf } from './stages.js';

/* The assigned moderator's side of a review: their reviews, the script to re-mark, and the outcome. */

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
