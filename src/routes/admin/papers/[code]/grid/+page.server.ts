import type { PageServerLoad } from './$types';
import { getMarkingGrid } from '$lib/server/bank/papers';
import { orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => orError(getMarkingGrid(locals.db, params.code));
