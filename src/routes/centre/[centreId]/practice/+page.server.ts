import { requireRole } from '$lib/server/http/auth';
import { listPracticePapers } from '$lib/server/mocks/practice-papers';

import type { PageServerLoad } from './$types';

/** The practice papers of every unit (the handbook's sample assessments), for the centre to read or book as a mock. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	return { papers: await listPracticePapers(event.locals.db) };
};
