import { requireRole } from '$lib/server/http/auth';
import { orError } from '$lib/server/http/responses';
import { getPracticePaper } from '$lib/server/mocks/practice-papers';

import type { PageServerLoad } from './$types';

/** A practice paper and its marking grid. A live paper's code is a 404, as is any code that names no practice paper. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	return { practice: await orError(getPracticePaper(event.locals.db, event.params.code)) };
};
