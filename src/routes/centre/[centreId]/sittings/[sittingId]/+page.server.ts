import type { Actions, PageServerLoad } from './$types';
import { cancelSitting, getSitting } from '$lib/server/sittings';
import { consoleRows } from '$lib/server/delivery/console';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => {
	const sitting = await orError(getSitting(locals.db, params.sittingId, params.centreId));
	return { sitting, rows: await consoleRows(locals.db, sitting.id) };
};

export const actions: Actions = {
	cancel: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const reason = String(data.get('reason') ?? '');
		try {
			await cancelSitting(event.locals.db, actorOf(event), event.params.centreId, event.params.sittingId, reason);
			return { cancelled: true };
		} catch (err) {
			return failFromError(err, { reason });
		}
	}
};
