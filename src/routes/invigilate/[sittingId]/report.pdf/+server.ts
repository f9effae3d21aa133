import type { RequestHandler } from './$types';
import { actorOf, requireRole } from '$lib/server/auth/http';
import { invigilatorReportPdf } from '$lib/server/reports/sitting-documents';
import { pdfResponse } from '$lib/server/reports/http';
import { getSitting } from '$lib/server/sittings';
import { orError } from '$lib/server/routes';

/** The invigilator's report of a sitting at their centre (another centre's sitting is a 404). */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['invigilator']);
	const sitting = await orError(getSitting(event.locals.db, event.params.sittingId));
	requireRole(event, ['invigilator'], sitting.centreId);
	const pdf = await orError(invigilatorReportPdf(event.locals.db, sitting.centreId, sitting.id));
	return pdfResponse(event.locals.db, actorOf(event), pdf, { kind: 'invigilator_report', centreId: sitting.centreId, sittingId: sitting.id });
};
