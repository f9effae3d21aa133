import type { Kysely } from 'kysely';

import { DEFAULT_REVIEW_SETTINGS, type ReviewSettings } from '../../domain/reviews.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';

/* How long a centre has to ask for a review of marking, and how long the awarding body has to reply. */

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
