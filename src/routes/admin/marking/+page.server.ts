import { overviewLoad } from '$lib/server/http/marking-allocation';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => overviewLoad(event);
