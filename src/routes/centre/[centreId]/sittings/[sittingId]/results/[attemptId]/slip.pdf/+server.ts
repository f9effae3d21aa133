import { actorOf, requireRole } from '$lib/server/http/auth';
import { auditedDownload } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { resultSlipPdf } from '$lib/server/reports/result-slips';

import type { RequestHandler } from './$types';

/** One candidate's result slip; released results of the centre's own sittings only. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const { centreId, sittingId, attemptId } = event.params;
	const { pdf, row } = await orError(
		resultSlipPdf(event.locals.db, centreId, sittingId, attemptId)
	);
	return auditedDownload(event.locals.db, actorOf(event), pdf, {
		kind: 'result_slip',
		centreId,
		subjectType: 'attempt',
		subjectId: attemptId,
		// The candidate number is typed by the centre: safeFileName keeps it to safe characters.
		fileName: `result-slip-${row.paperCode}-${row.candidateNumber}.pdf`,
		contentType: 'application/pdf',
		disposition: 'inline',
		details: { sitting: sittingId, candidate: row.candidateNumber }
	});
};
