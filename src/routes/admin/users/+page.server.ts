import type { Actions, PageServerLoad } from './$types';
import { createStaffAccount, listCentres, listStaff } from '$lib/server/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals }) => ({
	staff: await listStaff(locals.db),
	centres: (await listCentres(locals.db)).map((c) => ({ id: c.id, label: `${c.number} ${c.name}` }))
});

export const actions: Actions = {
	create: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), ['email', 'display_name', 'password', 'role', 'centre_id']);
		try {
			const user = await createStaffAccount(event.locals.db, actorOf(event), values);
			return { created: user.email };
		} catch (err) {
			return failFromError(err, { ...values, password: '' });
		}
	}
};
