import { listCandidates } from '$lib/server/centres/candidates';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';
import { registrationProgress } from '$lib/server/registrations/progress';
import { qualificationStandings } from '$lib/server/registrations/qualifications';
import { registerForQualification } from '$lib/server/registrations/register';

import type { Actions, PageServerLoad } from './$types';

/** The centre's registrations for qualifications: who is registered for what, what comes next, and the form to register. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const [qualifications, progress, candidates] = await Promise.all([
		qualificationStandings(locals.db),
		registrationProgress(locals.db, params.centreId),
		listCandidates(locals.db, params.centreId)
	]);
	return {
		qualifications,
		progress,
		candidates: candidates
			.filter((c) => !c.withdrawn_at)
			.map((c) => ({ id: c.id, label: `${c.candidate_number} ${c.first_name} ${c.last_name}` }))
	};
};

export const actions: Actions = {
	register: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const values = formValues(await event.request.formData(), ['candidate_id', 'route']);
		try {
			await registerForQualification(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				values
			);
			return { registered: true };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
