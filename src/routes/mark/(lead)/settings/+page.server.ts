import { ValidationError } from '$lib/server/errors';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';
import { saveSettings, SETTING_FIELDS } from '$lib/server/marking/settings';
import { choosePaper, paperSettings } from '$lib/server/quality/quality';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { papers, paper } = await orError(choosePaper(locals.db, url.searchParams.get('paper')));
	return { papers, paper, settings: paper ? await paperSettings(locals.db, paper.id) : null };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, ['moderator']);
		const { paper } = await orError(
			choosePaper(event.locals.db, event.url.searchParams.get('paper'))
		);
		const values = formValues(await event.request.formData(), SETTING_FIELDS);
		if (!paper) return failFromError(new ValidationError('Choose a paper'), values);
		try {
			await saveSettings(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				paper.id,
				values,
				new Date()
			);
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
