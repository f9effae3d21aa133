import { NotFoundError } from '$lib/server/errors';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { auditedDownload } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { sittingResults } from '$lib/server/reports/centre-results';
import { resultsCsv } from '$lib/server/reports/results-csv';

import type { RequestHandler } from './$types';

/** One sitting's released results as CSV; another centre's sitting, or results not yet released: 404. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const { centreId, sittingId } = event.params;
	const r = await orError(
		sittingResults(event.locals.db, centreId, sittingId).then((r) => {
			if (!r.releasedAt)
				throw new NotFoundError('The results of this sitting have not been released yet');
			return r;
		})
	);
	return auditedDownload(event.locals.db, actorOf(event), resultsCsv(r.rows), {
		kind: 'results_csv',
		centreId,
		subjectType: 'sitting',
		subjectId: sittingId,
		fileName: `results-${r.sitting.paperCode}-${r.sitting.scheduledAt.toISOString().slice(0, 10)}.csv`,
		contentType: 'text/csv; charset=utf-8',
		disposition: 'attachment',
		details: { rows: r.rows.length }
	});
};
