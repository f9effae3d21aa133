import { redirect } from '@sveltejs/kit';

import { homeFor } from '$lib/domain/roles';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.user && locals.user.grants.length === 1) redirect(303, homeFor(locals.user.grants));
	return {};
};
