import { getMarkingGrid } from '$lib/server/bank/papers';
import { orError } from '$lib/server/http/responses';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) =>
	orError(getMarkingGrid(locals.db, params.code));
