import { requireRole } from '$lib/server/http/auth';

import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	return { isModerator: user.grants.some((g) => g.role === 'moderator') };
};
