import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/http';
import { listInvigilatorSittings } from '$lib/server/sittings';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['invigilator']);
	const ids = user.grants.filter((g) => g.role === 'invigilator' && g.centreId).map((g) => g.centreId!);
	const centres = await event.locals.db.selectFrom('centre').select(['id', 'number', 'name']).where('id', 'in', ids).orderBy('number').execute();
	return { centres, sittings: await listInvigilatorSittings(event.locals.db, user.id) };
};
