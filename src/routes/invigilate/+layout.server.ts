import { requireRole } from '$lib/server/http/auth';

import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = (event) => {
	requireRole(event, ['invigilator', 'centre_admin']);
	return {};
};
