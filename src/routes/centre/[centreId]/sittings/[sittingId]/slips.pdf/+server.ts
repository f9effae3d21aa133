import type { RequestHandler } from './$types';
import { requireRole } from '$lib/server/auth/http';
import { signInSlipsPdf } from '$lib/server/reports/sitting-documents';
import { orError } from '$lib/server/routes';

export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const pdf = await orError(signInSlipsPdf(event.locals.db, event.params.centreId, event.params.sittingId));
	return new Response(pdf as BodyInit, {
		headers: { 'content-type': 'application/pdf', 'content-disposition': 'inline; filename="slips-' + event.params.sittingId.slice(0, 8) + '.pdf"' }
	});
};
