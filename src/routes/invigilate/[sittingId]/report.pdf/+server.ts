import { actorOf } from '$lib/server/http/auth';
import { pdfResponse } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { requireSittingRunner } from '$lib/server/http/sitting-access';
import { invigilatorReportPdf } from '$lib/server/reports/sitting-documents';

import type { RequestHandler } from './$types';

/** The invigilator's report: for the sitting's invigilators and the centre administrator. */
export const GET: RequestHandler = async (event) => {
	const sitting = await requireSittingRunner(event, event.params.sittingId);
	const pdf = await orError(invigilatorReportPdf(event.locals.db, sitting.centreId, sitting.id));
	return pdfResponse(event.locals.db, actorOf(event), pdf, {
		kind: 'invigilator_report',
		centreId: sitting.centreId,
		sittingId: sitting.id
	});
};
