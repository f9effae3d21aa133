import { inviteStaffAccount, listStaff } from '$lib/server/accounts/staff';
import { listCentres } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	staff: (await listStaff(locals.db)).map((s) => ({
		id: s.id,
		email: s.email,
		display_name: s.display_name,
		status: s.disabled_at
			? 'Disabled'
			: s.has_password
				? 'Active'
				: 'Waiting for the owner to set a password',
		roles: s.roles
	})),
	centres: (await listCentres(locals.db)).map((c) => ({ id: c.id, label: `${c.number} ${c.name}` }))
});

export const actions: Actions = {
	create: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), [
			'email',
			'display_name',
			'role',
			'centre_id'
		]);
		try {
			const user = await inviteStaffAccount(event.locals.db, actorOf(event), values);
			// Shown once, on this response only: the database keeps only the link's hash.
			return {
				created: user.email,
				link: `${event.url.origin}/set-password/${user.token}`,
				expiresAt: user.expiresAt.toISOString()
			};
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
