import { redirect } from '@sveltejs/kit';

import { ROLE_LABELS, STAFF_ROLES } from '$lib/domain/roles';
import { changeOwnPassword } from '$lib/server/accounts/own-account';
import { writeAudit } from '$lib/server/audit';
import { invalidateAllUserSessions, listUserSessions } from '$lib/server/auth/sessions';
import { getCentresByIds } from '$lib/server/centres/centres';
import { actorOf, deleteSessionCookie, requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { textFields } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, STAFF_ROLES);
	const sessions = await listUserSessions(event.locals.db, user.id);
	const centres = await getCentresByIds(
		event.locals.db,
		user.grants.map((g) => g.centreId).filter((c): c is string => !!c)
	);
	return {
		email: user.email,
		roles: user.grants.map((g) => {
			const c = centres.find((x) => x.id === g.centreId);
			return ROLE_LABELS[g.role] + (c ? ` – ${c.number} ${c.name}` : '');
		}),
		sessions: sessions.map((s) => ({
			current: s.id === event.locals.session?.id,
			createdAt: s.created_at.toISOString(),
			lastVerifiedAt: s.last_verified_at.toISOString(),
			ip: s.ip,
			userAgent: s.user_agent
		}))
	};
};

export const actions: Actions = {
	password: async (event) => {
		const user = requireRole(event, STAFF_ROLES);
		try {
			const { current, password, confirm } = textFields(await event.request.formData(), [
				'current',
				'password',
				'confirm'
			]);
			const r = await changeOwnPassword(event.locals.db, actorOf(event), {
				userId: user.id,
				sessionId: event.locals.session!.id,
				current,
				password,
				confirm
			});
			return { passwordChanged: true, otherSessionsEnded: r.otherSessionsEnded };
		} catch (err) {
			return failFromError(err);
		}
	},
	signout_all: async (event) => {
		const user = requireRole(event, STAFF_ROLES);
		const n = await invalidateAllUserSessions(event.locals.db, user.id);
		await writeAudit(event.locals.db, actorOf(event), {
			action: 'auth.sign_out_all',
			subjectType: 'user',
			subjectId: user.id,
			details: { sessions: n }
		});
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/signin');
	}
};
