import { listCandidates } from '$lib/server/centres/candidates';
import { listUpcomingSittings } from '$lib/server/sittings/queries';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const [candidates, upcoming] = await Promise.all([
		listCandidates(locals.db, params.centreId),
		listUpcomingSittings(locals.db, params.centreId)
	]);
	return {
		candidateCount: candidates.length,
		withArrangements: candidates.filter(
			(c) => c.extra_time_percent > 0 || c.rest_breaks || c.reader || c.scribe
		).length,
		upcoming
	};
};
