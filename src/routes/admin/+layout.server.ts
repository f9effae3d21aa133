import type { LayoutServerLoad } from './$types';
import { requireRole } from '$lib/server/http/auth';

export const load: LayoutServerLoad = (event) => {
	requireRole(event, ['awarding_admin']);
	return {};
};
