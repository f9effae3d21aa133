import { allocationActions, detailLoad } from '$lib/server/http/marking-allocation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => detailLoad(event);
export const actions: Actions = allocationActions;
