import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { homeFor } from '$lib/domain/roles';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.user && locals.user.grants.length === 1) redirect(303, homeFor(locals.user.grants));
	return {};
};
