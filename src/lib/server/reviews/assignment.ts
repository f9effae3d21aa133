import type { Kysely } from 'kysely';

import { paperItems } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { getPaperContent } from '../bank/papers.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from '../validation.js';
import { hasMarked, lockReview, move, scriptOf } from './stages.js';

/* The awarding body's side of a review: every review, and a moderator who has not marked the script assigned to it. */

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
