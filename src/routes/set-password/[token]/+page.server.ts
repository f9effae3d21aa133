import { redirect } from '@sveltejs/kit';

import { homeFor } from '$lib/domain/roles';
import {
	findUsablePasswordToken,
	setPasswordWithToken
} from '$lib/server/accounts/password-tokens';
import { getGrants } from '$lib/server/auth/sessions';
import { clientAddress, setSessionCookie, staffCookieExpiry } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { textFields } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	// The link is a secret: never sent on as a Referer, never cached.
	setHeaders({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
	const owner = await findUsablePasswordToken(locals.db, params.token);
	return { owner };
};

export const actions: Actions = {
	default: async (event) => {
		let target: string;
		try {
			const { password, confirm } = textFields(await event.request.formData(), [
				'password',
				'confirm'
			]);
			const { token, userId } = await setPasswordWithToken(event.locals.db, {
				token: event.params.token,
				password,
				confirm,
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
			target = homeFor(await getGrants(event.locals.db, userId));
		} catch (err) {
			return failFromError(err);
		}
		redirect(303, target);
	}
};
