import { createCentre, listCentres } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	centres: await listCentres(locals.db)
});

export const actions: Actions = {
	create: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), ['number', 'name']);
		try {
			const centre = await createCentre(event.locals.db, actorOf(event), values);
			return { created: `${centre.number} ${centre.name}` };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
