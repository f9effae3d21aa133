import { redirect } from '@sveltejs/kit';

import { CANDIDATE_COOKIE } from '$lib/server/delivery/candidate-session';
import { signInCandidate } from '$lib/server/delivery/sign-in';
import { clientAddress } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';
import { rejectNul } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.candidate) redirect(303, '/candidate/exam');
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const values = formValues(await event.request.formData(), [
			'centre_number',
			'candidate_number',
			'keycode'
		]);
		try {
			// Checked before anything is looked up: a NUL byte is a 400, never a query PostgreSQL refuses.
			rejectNul(values);
			const { token } = await signInCandidate(event.locals.db, {
				centreNumber: values.centre_number!,
				candidateNumber: values.candidate_number!,
				keycode: values.keycode!,
				ip: clientAddress(event),
				userAgent: event.request.headers.get('user-agent')
			});
			// The candidate cookie follows the same rules as staff sessions; it dies with the browser.
			event.cookies.set(CANDIDATE_COOKIE, token, {
				httpOnly: true,
				sameSite: 'lax',
				secure: event.url.protocol === 'https:',
				path: '/'
			});
		} catch (err) {
			return failFromError(err, values);
		}
		redirect(303, '/candidate/exam');
	}
};
