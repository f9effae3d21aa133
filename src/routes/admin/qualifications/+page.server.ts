import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues } from '$lib/server/http/responses';
import {
	qualificationStandings,
	setQualificationDates
} from '$lib/server/registrations/qualifications';
import { getResitSettings, setResitSettings } from '$lib/server/registrations/resit-settings';

import type { Actions, PageServerLoad } from './$types';

/** The awarding administrator's qualification data: last dates per qualification, and the resit rules. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['awarding_admin']);
	const [qualifications, resits] = await Promise.all([
		qualificationStandings(event.locals.db),
		getResitSettings(event.locals.db)
	]);
	return { qualifications, resits };
};

export const actions: Actions = {
	dates: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), [
			'qualification',
			'last_registration_on',
			'last_certification_on'
		]);
		try {
			await setQualificationDates(event.locals.db, actorOf(event), values.qualification!, values);
			return { datesSaved: values.qualification };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	resits: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), [
			'max_attempts',
			'min_interval_days'
		]);
		try {
			await setResitSettings(event.locals.db, actorOf(event), values);
			return { resitsSaved: true };
		} catch (err) {
			return failFromError(err, { ...values, resits: true });
		}
	}
};
