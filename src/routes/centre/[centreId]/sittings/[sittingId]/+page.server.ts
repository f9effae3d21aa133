import type { PageServerLoad } from './$types';
import { getSitting } from '$lib/server/sittings';
import { consoleRows } from '$lib/server/delivery/console';
import { orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => {
	const sitting = await orError(getSitting(locals.db, params.sittingId, params.centreId));
	return { sitting, rows: await consoleRows(locals.db, sitting.id) };
};
