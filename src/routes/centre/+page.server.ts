import { redirect } from '@sveltejs/kit';

import { getCentresByIds } from '$lib/server/centres/centres';
import { requireRole } from '$lib/server/http/auth';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['centre_admin']);
	const ids = user.grants
		.filter((g) => g.role === 'centre_admin' && g.centreId)
		.map((g) => g.centreId!);
	const centres = await getCentresByIds(event.locals.db, ids);
	if (centres.length === 1) redirect(303, `/centre/${centres[0]!.id}`);
	return { centres };
};
