import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { signInStaff } from '$lib/server/auth/sign-in';
import { clientAddress, safeNext, setSessionCookie, staffCookieExpiry } from '$lib/server/auth/http';
import { getGrants } from '$lib/server/auth/sessions';
import { homeFor } from '$lib/domain/roles';
import { failFromError } from '$lib/server/routes';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(locals.user.grants));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const email = String(data.get('email') ?? '');
		const password = String(data.get('password') ?? '');
		let target: string;
		try {
			const { token, userId } = await signInStaff(event.locals.db, {
				email,
				password,
				ip: clientAddress(event),
				userAgent: event.request.headers.get('user-agent')
			});
			const now = new Date();
			setSessionCookie(event, token, staffCookieExpiry({ createdAt: now, lastVerifiedAt: now, expiresAt: null, id: '', userId }, now));
			target = safeNext(event.url.searchParams.get('next')) ?? homeFor(await getGrants(event.locals.db, userId));
		} catch (err) {
			return failFromError(err, { email });
		}
		redirect(303, target);
	}
};
