import { redirect } from '@sveltejs/kit';

import { homeFor } from '$lib/domain/roles';
import { getGrants } from '$lib/server/auth/sessions';
import { signInStaff } from '$lib/server/auth/sign-in';
import {
	clientAddress,
	safeNext,
	setSessionCookie,
	staffCookieExpiry
} from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { textFields } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user)
		redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(locals.user.grants));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const email = String(data.get('email') ?? '');
		let target: string;
		try {
			// Checked before anything is looked up: a NUL byte is a 400, never a query PostgreSQL refuses.
			const { password } = textFields(data, ['email', 'password']);
			const { token, userId } = await signInStaff(event.locals.db, {
				email,
				password,
				ip: clientAddress(event),
				userAgent: event.request.headers.get('user-agent')
			});
			const now = new Date();
			setSessionCookie(
				event,
				token,
				staffCookieExpiry(
					{ createdAt: now, lastVerifiedAt: now, expiresAt: null, id: '', userId },
					now
				)
			);
			target =
				safeNext(event.url.searchParams.get('next')) ??
				homeFor(await getGrants(event.locals.db, userId));
		} catch (err) {
			return failFromError(err, { email: email.replaceAll('\0', '') });
		}
		redirect(303, target);
	}
};
