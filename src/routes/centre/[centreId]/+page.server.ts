import type { PageServerLoad } from './$types';
import { listCandidates } from '$lib/server/centres';

export const load: PageServerLoad = async ({ locals, params }) => {
	const candidates = await listCandidates(locals.db, params.centreId);
	return {
		candidateCount: candidates.length,
		withArrangements: candidates.filter((c) => c.extra_time_percent > 0 || c.rest_breaks || c.reader || c.scribe).length
	};
};
