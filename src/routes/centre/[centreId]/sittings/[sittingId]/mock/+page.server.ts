import { requireRole } from '$lib/server/http/auth';
import { orError } from '$lib/server/http/responses';
import { getMockSitting } from '$lib/server/mocks/mock-marking';

import type { PageServerLoad } from './$types';

/** A mock sitting's candidates, each with the centre's marking so far: a live sitting (or another centre's) is a 404. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	return {
		mock: await orError(
			getMockSitting(event.locals.db, event.params.centreId, event.params.sittingId)
		)
	};
};
