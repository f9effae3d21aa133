import {
	claimCertificates,
	listCertificates,
	readyForCertification
} from '$lib/server/certificates';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

/** Who is ready for a certificate (award achieved, not yet claimed), the claim, and the certificates claimed. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const [ready, certificates] = await Promise.all([
		readyForCertification(locals.db, params.centreId),
		listCertificates(locals.db, params.centreId)
	]);
	return { ready, certificates };
};

export const actions: Actions = {
	claim: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			const outcome = await claimCertificates(
				event.locals.db,
				actorOf(event),
				event.params.centreId
			);
			return { claimed: outcome.certificates, leftOut: outcome.leftOut };
		} catch (err) {
			return failFromError(err);
		}
	}
};
