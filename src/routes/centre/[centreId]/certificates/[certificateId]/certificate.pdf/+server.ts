import { certificatePdf } from '$lib/server/certificates';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { auditedDownload } from '$lib/server/http/pdf-response';
import { orError } from '$lib/server/http/responses';

import type { RequestHandler } from './$types';

/** One certificate of the centre (another centre's is not found); the download is audited. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const { centreId, certificateId } = event.params;
	const { pdf, row } = await orError(certificatePdf(event.locals.db, centreId, certificateId));
	return auditedDownload(event.locals.db, actorOf(event), pdf, {
		kind: 'certificate',
		centreId,
		subjectType: 'certificate',
		subjectId: certificateId,
		fileName: `certificate-${row.shown.qualificationNumber}-${row.candidateNumber}.pdf`,
		contentType: 'application/pdf',
		disposition: 'inline',
		details: { candidate: row.candidateNumber, reference: row.shown.reference }
	});
};
