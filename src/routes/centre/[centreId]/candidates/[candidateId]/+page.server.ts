import { redirect } from '@sveltejs/kit';

import { windowEnd } from '$lib/domain/reviews';
import {
	correctCandidate,
	deleteCandidate,
	getCandidate,
	setCandidateWithdrawn,
	updateArrangements
} from '$lib/server/centres/candidates';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';
import {
	accessCodeIssuedAt,
	issueResultsAccessCode,
	resultsForCandidate
} from '$lib/server/reports/candidate-access';
import { requestReview, withdrawReview } from '$lib/server/reviews/requests';
import { getReviewSettings } from '$lib/server/reviews/settings';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const c = await orError(getCandidate(locals.db, params.centreId, params.candidateId));
	// Released results only (the candidate's own view, the same function): nothing before release.
	const [results, codeIssuedAt, settings] = await Promise.all([
		resultsForCandidate(locals.db, c.id),
		accessCodeIssuedAt(locals.db, c.id),
		getReviewSettings(locals.db)
	]);
	return {
		candidate: { ...c, withdrawn_at: c.withdrawn_at?.toISOString() ?? null },
		results: results.map((r) => ({ ...r, reviewUntil: windowEnd(r.releasedAt, settings) })),
		codeIssuedAt,
		settings
	};
};

export const actions: Actions = {
	/** Issues the candidate's results access code; the page shows it this once. */
	issueCode: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			const code = await issueResultsAccessCode(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId
			);
			return { code };
		} catch (err) {
			return failFromError(err);
		}
	},
	requestReview: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const values = formValues(await event.request.formData(), ['attempt_id', 'reason']);
		try {
			await orError(getCandidate(event.locals.db, event.params.centreId, event.params.candidateId));
			await requestReview(event.locals.db, actorOf(event), {
				centreId: event.params.centreId,
				attemptId: values.attempt_id!,
				reason: values.reason
			});
			return { reviewRequested: true };
		} catch (err) {
			return failFromError(err, { ...values, review: true });
		}
	},
	withdrawReview: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const values = formValues(await event.request.formData(), ['review_id']);
		try {
			await withdrawReview(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				values.review_id!
			);
			return { reviewWithdrawn: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	arrangements: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const values = formValues(data, ['extra_time_percent', 'arrangement_notes']);
		try {
			await updateArrangements(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId,
				{
					...values,
					rest_breaks: data.has('rest_breaks'),
					reader: data.has('reader'),
					scribe: data.has('scribe')
				}
			);
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	correct: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const values = formValues(await event.request.formData(), [
			'candidate_number',
			'first_name',
			'last_name',
			'date_of_birth'
		]);
		try {
			await correctCandidate(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId,
				values
			);
			return { corrected: true };
		} catch (err) {
			return failFromError(err, { ...values, correct: true });
		}
	},
	withdraw: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await setCandidateWithdrawn(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId,
				true
			);
			return { withdrawn: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	reinstate: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await setCandidateWithdrawn(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId,
				false
			);
			return { reinstated: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	delete: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		try {
			await deleteCandidate(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.candidateId
			);
		} catch (err) {
			return failFromError(err);
		}
		redirect(303, `/centre/${event.params.centreId}/candidates?deleted=1`);
	}
};
