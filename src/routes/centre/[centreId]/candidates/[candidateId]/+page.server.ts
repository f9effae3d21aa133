import type { Actions, PageServerLoad } from './$types';
import { getCandidate, updateArrangements } from '$lib/server/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => ({
	candidate: await orError(getCandidate(locals.db, params.centreId, params.candidateId))
});

export const actions: Actions = {
	default: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const values = formValues(data, ['extra_time_percent', 'arrangement_notes']);
		try {
			await updateArrangements(event.locals.db, actorOf(event), event.params.centreId, event.params.candidateId, {
				...values,
				rest_breaks: data.has('rest_breaks'),
				reader: data.has('reader'),
				scribe: data.has('scribe')
			});
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
