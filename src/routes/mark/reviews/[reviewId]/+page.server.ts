import { ValidationError } from '$lib/server/errors';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { recordMark } from '$lib/server/marking/marks';
import { decideReview, reviewForModerator } from '$lib/server/reviews/decision';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['moderator']);
	return orError(reviewForModerator(event.locals.db, user.id, event.params.reviewId));
};

export const actions: Actions = {
	/**
	 * The re-mark, through the marking screen's own path (recordMark: judged by the grid, appended with
	 * the moderation allocation's authority), then the outcome: a new result version. A typed mark per
	 * question keeps this form small; the grid's points and levels are on the marking screen.
	 */
	remark: async (event) => {
		const user = requireRole(event, ['moderator']);
		const data = await event.request.formData();
		const values: Record<string, string> = {};
		for (const [k, v] of data) values[k] = String(v);
		try {
			const view = await reviewForModerator(event.locals.db, user.id, event.params.reviewId);
			const issues: { field: string; message: string }[] = [];
			for (const item of view.items) {
				const raw = (values[`mark_${item.key}`] ?? '').trim();
				if (raw === '' || !/^\d+$/.test(raw))
					issues.push({
						field: `mark_${item.key}`,
						message: `Question ${item.label}: give a whole number of marks from 0 to ${item.marks}`
					});
			}
			if (issues.length) throw new ValidationError(issues[0]!.message, issues);
			for (const item of view.items) {
				if (!item.allocationId) continue;
				try {
					await recordMark(event.locals.db, {
						markerId: user.id,
						allocationId: item.allocationId,
						award: { kind: 'mark', mark: Number(values[`mark_${item.key}`]) },
						fk: values[`fk_${item.key}`] === 'on',
						comment: values[`comment_${item.key}`] ?? ''
					});
				} catch (err) {
					// recordMark names the question; keep the field so the message sits by its box.
					if (err instanceof ValidationError)
						throw new ValidationError(err.message, [
							{ field: `mark_${item.key}`, message: err.message }
						]);
					throw err;
				}
			}
			const decided = await decideReview(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				event.params.reviewId
			);
			return { decided };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
