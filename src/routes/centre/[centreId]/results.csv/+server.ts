import { error } from '@sveltejs/kit';

import { parseDateRange } from '$lib/domain/result-report';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { auditedDownload } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { releasedResultsInRange } from '$lib/server/reports/centre-results';
import { resultsCsv } from '$lib/server/reports/results-csv';

import type { RequestHandler } from './$types';

/** The centre's released results of the sittings in a range of days (?from=YYYY-MM-DD&to=…), as CSV. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const parsed = parseDateRange(
		event.url.searchParams.get('from'),
		event.url.searchParams.get('to')
	);
	if (!parsed.ok) error(400, parsed.message);
	const { centreId } = event.params;
	const rows = await orError(releasedResultsInRange(event.locals.db, centreId, parsed.range));
	const centre = rows[0]?.centreNumber ?? 'centre';
	return auditedDownload(event.locals.db, actorOf(event), resultsCsv(rows), {
		kind: 'results_csv',
		centreId,
		subjectType: 'centre',
		subjectId: centreId,
		fileName: `results-${centre}-${parsed.range.from ?? 'start'}-to-${parsed.range.to ?? 'now'}.csv`,
		contentType: 'text/csv; charset=utf-8',
		disposition: 'attachment',
		details: { ...parsed.range, rows: rows.length }
	});
};
