import type { Actions, PageServerLoad } from './$types';
import { allocationActions, detailLoad } from '$lib/server/http/marking-allocation';

export const load: PageServerLoad = (event) => detailLoad(event);
export const actions: Actions = allocationActions;
