import { orError } from '$lib/server/http/responses';
import { markerPerformance } from '$lib/server/quality/performance';
import { choosePaper } from '$lib/server/quality/quality';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { papers, paper } = await orError(choosePaper(locals.db, url.searchParams.get('paper')));
	return { papers, paper, markers: paper ? await markerPerformance(locals.db, paper.id) : [] };
};
