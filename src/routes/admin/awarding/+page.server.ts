import type { PageServerLoad } from './$types';
import { papersForAwarding } from '$lib/server/awarding/approval';

export const load: PageServerLoad = async ({ locals }) => ({ papers: await papersForAwarding(locals.db) });
