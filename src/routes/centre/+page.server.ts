import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/http/auth';
import { getCentresByIds } from '$lib/server/centres';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['centre_admin']);
	const ids = user.grants.filter((g) => g.role === 'centre_admin' && g.centreId).map((g) => g.centreId!);
	const centres = await getCentresByIds(event.locals.db, ids);
	if (centres.length === 1) redirect(303, `/centre/${centres[0]!.id}`);
	return { centres };
};
