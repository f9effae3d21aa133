import { parseDateRange } from '$lib/domain/result-report';
import { requireRole } from '$lib/server/http/auth';
import { orError } from '$lib/server/http/responses';
import { releasedSittings } from '$lib/server/reports/centre-results';

import type { PageServerLoad } from './$types';

/** The centre's sittings with released results, optionally within a range of days. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const from = event.url.searchParams.get('from') ?? '';
	const to = event.url.searchParams.get('to') ?? '';
	const parsed = parseDateRange(from, to);
	if (!parsed.ok) return { from, to, message: parsed.message, sittings: [] };
	const sittings = await orError(
		releasedSittings(event.locals.db, event.params.centreId, parsed.range)
	);
	return { from, to, message: null, sittings };
};
