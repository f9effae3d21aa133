import type { PageServerLoad } from './$types';
import { overviewLoad } from '$lib/server/http/marking-allocation';

export const load: PageServerLoad = (event) => overviewLoad(event);
