import { redirect } from '@sveltejs/kit';

import { clientAddress } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';
import {
	endResultsSession,
	RESULTS_COOKIE,
	resultsCandidate,
	resultsForCandidate,
	signInForResults,
	validateResultsToken
} from '$lib/server/reports/candidate-access';
import { rejectNul } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

/*
 * A candidate's results after the exam day: signed in with the personal results access code their
 * centre issued (not the room keycode, which ends with its sitting). See candidate-access.ts.
 */

export const load: PageServerLoad = async ({ locals, cookies, setHeaders }) => {
	setHeaders({ 'cache-control': 'private, no-store' });
	const token = cookies.get(RESULTS_COOKIE);
	const session = token ? await validateResultsToken(locals.db, token) : null;
	if (token && !session) cookies.delete(RESULTS_COOKIE, { path: '/' });
	if (!session) return { signedIn: false as const };
	const [candidate, results] = await Promise.all([
		resultsCandidate(locals.db, session.candidateId),
		resultsForCandidate(locals.db, session.candidateId)
	]);
	return { signedIn: true as const, candidate, results };
};

export const actions: Actions = {
	signin: async (event) => {
		const values = formValues(await event.request.formData(), [
			'centre_number',
			'candidate_number',
			'date_of_birth',
			'code'
		]);
		try {
			rejectNul(values);
			const { token, expiresAt } = await signInForResults(event.locals.db, {
				centreNumber: values.centre_number!,
				candidateNumber: values.candidate_number!,
				dateOfBirth: values.date_of_birth!,
				code: values.code!,
				ip: clientAddress(event),
				userAgent: event.request.headers.get('user-agent')
			});
			// Same cookie rules as every session (the Lucia guide): httpOnly, SameSite=Lax, Secure over https.
			event.cookies.set(RESULTS_COOKIE, token, {
				httpOnly: true,
				sameSite: 'lax',
				secure: event.url.protocol === 'https:',
				path: '/',
				expires: expiresAt
			});
		} catch (err) {
			// The code is never sent back to the page.
			return failFromError(err, { ...values, code: '' });
		}
		redirect(303, '/results');
	},
	signout: async (event) => {
		const token = event.cookies.get(RESULTS_COOKIE);
		const session = token ? await validateResultsToken(event.locals.db, token) : null;
		if (session) await endResultsSession(event.locals.db, session.sessionId);
		event.cookies.delete(RESULTS_COOKIE, { path: '/' });
		redirect(303, '/results');
	}
};
