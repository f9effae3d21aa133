import type { PageServerLoad } from './$types';
import { countRecords } from '$lib/server/centres';

export const load: PageServerLoad = async ({ locals }) => countRecords(locals.db);
