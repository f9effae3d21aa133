import type { PageServerLoad } from './$types';
import { listPapers } from '$lib/server/bank/papers';

export const load: PageServerLoad = async ({ locals }) => ({ papers: await listPapers(locals.db) });
