import { getCentre } from '$lib/server/centres/centres';
import { requireRole } from '$lib/server/http/auth';
import { orError } from '$lib/server/http/responses';

import type { LayoutServerLoad } from './$types';

/** Every page under a centre: centre administrators of that centre only (another centre → 404). */
export const load: LayoutServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const centre = await orError(getCentre(event.locals.db, event.params.centreId));
	return { centre: { id: centre.id, number: centre.number, name: centre.name } };
};
