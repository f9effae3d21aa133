import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/http';
import { listInvigilatorSittings } from '$lib/server/sittings';
import { getCentresByIds } from '$lib/server/centres';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['invigilator']);
	const ids = user.grants.filter((g) => g.role === 'invigilator' && g.centreId).map((g) => g.centreId!);
	const centres = await getCentresByIds(event.locals.db, ids);
	return { centres, sittings: await listInvigilatorSittings(event.locals.db, user.id) };
};
