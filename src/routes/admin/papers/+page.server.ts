import { listPapers } from '$lib/server/bank/papers';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ papers: await listPapers(locals.db) });
