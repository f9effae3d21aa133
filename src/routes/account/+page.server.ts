import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { invalidateAllUserSessions } from '$lib/server/auth/sessions';
import { actorOf, deleteSessionCookie, requireRole } from '$lib/server/auth/http';
import { writeAudit } from '$lib/server/audit';
import { STAFF_ROLES, ROLE_LABELS } from '$lib/domain/roles';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, STAFF_ROLES);
	const sessions = await event.locals.db
		.selectFrom('auth_session')
		.select(['id', 'created_at', 'last_verified_at', 'ip', 'user_agent'])
		.where('user_id', '=', user.id)
		.orderBy('created_at', 'desc')
		.execute();
	const centreIds = user.grants.map((g) => g.centreId).filter((c): c is string => !!c);
	const centres = centreIds.length
		? await event.locals.db.selectFrom('centre').select(['id', 'number', 'name']).where('id', 'in', centreIds).execute()
		: [];
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
	signout_all: async (event) => {
		const user = requireRole(event, STAFF_ROLES);
		const n = await invalidateAllUserSessions(event.locals.db, user.id);
		await writeAudit(event.locals.db, actorOf(event), { action: 'auth.sign_out_all', subjectType: 'user', subjectId: user.id, details: { sessions: n } });
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/signin');
	}
};
