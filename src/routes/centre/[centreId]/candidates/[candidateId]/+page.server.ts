import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { correctCandidate, deleteCandidate, getCandidate, setCandidateWithdrawn, updateArrangements } from '$lib/server/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => {
	const c = await orError(getCandidate(locals.db, params.centreId, params.candidateId));
	return { candidate: { ...c, withdrawn_at: c.withdrawn_at?.toISOString() ?? null } };
};

export const actions: Actions = {
	arrangements: async (event) => {
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
	},
	correct: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const values = formValues(await event.request.formData(), ['candidate_number', 'first_name', 'last_name', 'date_of_birth']);
		try {
			await correctCandidate(event.locals.db, actorOf(event), event.params.centreId, event.params.candidateId, values);
			return { corrected: true };
		} catch (err) {
			return failFromError(err, { ...values, correct: true });
		}
	},
	withdraw: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await setCandidateWithdrawn(event.locals.db, actorOf(event), event.params.centreId, event.params.candidateId, true);
			return { withdrawn: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	reinstate: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await setCandidateWithdrawn(event.locals.db, actorOf(event), event.params.centreId, event.params.candidateId, false);
			return { reinstated: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	delete: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await deleteCandidate(event.locals.db, actorOf(event), event.params.centreId, event.params.candidateId);
		} catch (err) {
			return failFromError(err);
		}
		redirect(303, `/centre/${event.params.centreId}/candidates?deleted=1`);
	}
};
