import { orError } from '$lib/server/http/responses';
import { choosePaper, liveScriptNumbers } from '$lib/server/quality/quality';
import { listSeeds } from '$lib/server/quality/seeds';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { papers, paper } = await orError(choosePaper(locals.db, url.searchParams.get('paper')));
	const seeds = paper ? await listSeeds(locals.db, paper.id) : [];
	return {
		papers,
		paper,
		scripts: paper ? await liveScriptNumbers(locals.db, paper.id) : [],
		seeds: seeds.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() }))
	};
};
