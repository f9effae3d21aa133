import type { Actions, PageServerLoad } from './$types';
import { cancelSitting, getSitting, rescheduleSitting, sittingInvigilators } from '$lib/server/sittings';
import { consoleRows } from '$lib/server/delivery/console';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => {
	const sitting = await orError(getSitting(locals.db, params.sittingId, params.centreId));
	const [rows, invigilators] = await Promise.all([consoleRows(locals.db, sitting.id), sittingInvigilators(locals.db, sitting.id)]);
	return { sitting, rows, invigilators };
};

export const actions: Actions = {
	reschedule: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const values = { scheduled_at: String(data.get('scheduled_at') ?? ''), room: String(data.get('room') ?? '') };
		try {
			await rescheduleSitting(event.locals.db, actorOf(event), event.params.centreId, event.params.sittingId, values);
			return { rescheduled: true };
		} catch (err) {
			return failFromError(err, { ...values, form: 'reschedule' });
		}
	},
	cancel: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const reason = String(data.get('reason') ?? '');
		try {
			await cancelSitting(event.locals.db, actorOf(event), event.params.centreId, event.params.sittingId, reason);
			return { cancelled: true };
		} catch (err) {
			return failFromError(err, { reason, form: 'cancel' });
		}
	}
};
