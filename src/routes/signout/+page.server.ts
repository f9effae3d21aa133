import { redirect } from '@sveltejs/kit';

import { writeAudit } from '$lib/server/audit';
import { invalidateSession } from '$lib/server/auth/sessions';
import { actorOf, deleteSessionCookie } from '$lib/server/http/auth';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async (event) => {
		if (event.locals.session) {
			await invalidateSession(event.locals.db, event.locals.session.id);
			await writeAudit(event.locals.db, actorOf(event), {
				action: 'auth.sign_out',
				subjectType: 'user',
				subjectId: event.locals.session.userId
			});
		}
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/signin');
	}
};
