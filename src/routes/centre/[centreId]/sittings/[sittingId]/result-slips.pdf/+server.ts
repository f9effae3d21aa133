import { actorOf, requireRole } from '$lib/server/http/auth';
import { auditedDownload } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { sittingResultSlipsPdf } from '$lib/server/reports/result-slips';

import type { RequestHandler } from './$types';

/** Every candidate's result slip of a sitting in one PDF (one to a page); released results of the centre's own sittings only. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const { centreId, sittingId } = event.params;
	const { pdf, rows } = await orError(sittingResultSlipsPdf(event.locals.db, centreId, sittingId));
	return auditedDownload(event.locals.db, actorOf(event), pdf, {
		kind: 'result_slips',
		centreId,
		subjectType: 'sitting',
		subjectId: sittingId,
		fileName: `result-slips-${rows[0]?.paperCode ?? 'sitting'}-${sittingId.slice(0, 8)}.pdf`,
		contentType: 'application/pdf',
		disposition: 'inline',
		details: { slips: rows.length }
	});
};
