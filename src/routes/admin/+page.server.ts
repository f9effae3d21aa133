import { countRecords } from '$lib/server/centres/centres';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => countRecords(locals.db);
