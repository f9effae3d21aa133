import { menuFor } from '$lib/domain/roles';

import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.user;
	if (!user) return { user: null, nav: [] };
	return { user: { displayName: user.displayName, email: user.email }, nav: menuFor(user.grants) };
};
