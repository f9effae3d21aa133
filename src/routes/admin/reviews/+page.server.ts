import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';
import { assignReviewer, eligibleModerators, listReviews } from '$lib/server/reviews/assignment';
import { getReviewSettings, updateReviewSettings } from '$lib/server/reviews/settings';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, ['awarding_admin']);
	const db = event.locals.db;
	const [reviews, settings] = await Promise.all([listReviews(db), getReviewSettings(db)]);
	const withModerators = await Promise.all(
		reviews.map(async (r) => ({
			...r,
			moderators: r.state === 'requested' ? await eligibleModerators(db, r.id) : []
		}))
	);
	return { reviews: withModerators, settings, now: new Date() };
};

export const actions: Actions = {
	assign: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), ['review_id', 'moderator_id']);
		try {
			await assignReviewer(
				event.locals.db,
				actorOf(event),
				values.review_id!,
				values.moderator_id!
			);
			return { assigned: true };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	settings: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), [
			'request_window_days',
			'reply_days'
		]);
		try {
			await updateReviewSettings(event.locals.db, actorOf(event), {
				requestWindowDays: values.request_window_days,
				replyDays: values.reply_days
			});
			return { settingsSaved: true };
		} catch (err) {
			return failFromError(err, { ...values, settings: true });
		}
	}
};
