import { verifyCertificate } from '$lib/server/certificates';
import { clientAddress } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

/*
 * The public check of a certificate: no sign-in. Anyone who holds a verification reference sees
 * what the certificate prints and nothing more; wrong references are throttled per address.
 */

export const load: PageServerLoad = async ({ setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store' });
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const values = formValues(await event.request.formData(), ['reference']);
		try {
			return {
				certificate: await verifyCertificate(
					event.locals.db,
					values.reference!,
					clientAddress(event)
				)
			};
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
