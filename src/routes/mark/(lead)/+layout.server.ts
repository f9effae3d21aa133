import { requireRole } from '$lib/server/http/auth';

import type { LayoutServerLoad } from './$types';

/** Lead markers' pages (moderation, seeds, markers): moderators only. Each action checks again. */
export const load: LayoutServerLoad = (event) => {
	requireRole(event, ['moderator']);
	return {};
};
