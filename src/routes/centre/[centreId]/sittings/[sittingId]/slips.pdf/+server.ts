import { actorOf, requireRole } from '$lib/server/http/auth';
import { pdfResponse } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';
import { signInSlipsPdf } from '$lib/server/reports/sitting-documents';

import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	// The address candidates type: this server's own sign-in page, as the centre reaches it (ORIGIN behind a proxy).
	const pdf = await orError(
		signInSlipsPdf(
			event.locals.db,
			event.params.centreId,
			event.params.sittingId,
			`${event.url.origin}/candidate/signin`
		)
	);
	return pdfResponse(event.locals.db, actorOf(event), pdf, {
		kind: 'sign_in_slips',
		centreId: event.params.centreId,
		sittingId: event.params.sittingId
	});
};
