import { getCentresByIds } from '$lib/server/centres/centres';
import { requireRole } from '$lib/server/http/auth';
import { listCentreSittings, listInvigilatorSittings } from '$lib/server/sittings/queries';

import type { PageServerLoad } from './$types';

/** An invigilator's own sittings; a centre administrator's are every sitting of their centres. */
export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['invigilator', 'centre_admin']);
	const centreIds = (role: string) =>
		user.grants.filter((g) => g.role === role && g.centreId).map((g) => g.centreId!);
	const adminCentres = centreIds('centre_admin');
	const centres = await getCentresByIds(event.locals.db, [
		...new Set([...centreIds('invigilator'), ...adminCentres])
	]);
	const own = await listInvigilatorSittings(event.locals.db, user.id);
	const administered = (
		await Promise.all(adminCentres.map((id) => listCentreSittings(event.locals.db, id)))
	).flat();
	const seen = new Set(own.map((s) => s.id));
	const sittings = [...own, ...administered.filter((s) => !seen.has(s.id))].sort(
		(a, b) => b.scheduledAt.getTime() - a.scheduledAt.getTime()
	);
	return { centres, sittings, administers: adminCentres.length > 0 };
};
