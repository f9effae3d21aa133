import { actorOf, requireRole } from '$lib/server/http/auth';
import { pdfResponse } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { attendanceRegisterPdf } from '$lib/server/reports/sitting-documents';

import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const pdf = await orError(
		attendanceRegisterPdf(event.locals.db, event.params.centreId, event.params.sittingId)
	);
	return pdfResponse(event.locals.db, actorOf(event), pdf, {
		kind: 'attendance_register',
		centreId: event.params.centreId,
		sittingId: event.params.sittingId
	});
};
