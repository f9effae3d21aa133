import type { LayoutServerLoad } from './$types';
import { requireRole } from '$lib/server/http/auth';

export const load: LayoutServerLoad = (event) => {
	requireRole(event, ['invigilator', 'centre_admin']);
	return {};
};
