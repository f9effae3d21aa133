import type { RequestHandler } from './$types';
import { requireRole } from '$lib/server/auth/http';
import { attendanceRegisterPdf } from '$lib/server/reports/sitting-documents';
import { orError } from '$lib/server/routes';

export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const pdf = await orError(attendanceRegisterPdf(event.locals.db, event.params.centreId, event.params.sittingId));
	return new Response(pdf as BodyInit, {
		headers: { 'content-type': 'application/pdf', 'content-disposition': 'inline; filename="register-' + event.params.sittingId.slice(0, 8) + '.pdf"' }
	});
};
