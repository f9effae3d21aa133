import { papersForAwarding } from '$lib/server/awarding/approval';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	papers: await papersForAwarding(locals.db)
});
