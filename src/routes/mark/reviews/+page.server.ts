import { requireRole } from '$lib/server/http/auth';
import { moderatorReviews } from '$lib/server/reviews/decision';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['moderator']);
	return { reviews: await moderatorReviews(event.locals.db, user.id), now: new Date() };
};
