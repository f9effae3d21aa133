import type { LayoutServerLoad } from './$types';
import { requireRole } from '$lib/server/http/auth';

export const load: LayoutServerLoad = (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	return { isModerator: user.grants.some((g) => g.role === 'moderator') };
};
