import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { getMockScript, recordMockMark } from '$lib/server/mocks/mock-marking';

import type { Actions, PageServerLoad } from './$types';

/*
 * The centre marks one candidate's mock: every question with the answer and the practice paper's
 * grid, a mark per question. Marked by the centre administrator: the centre's own staff, who may
 * see candidates' names (unlike the awarding body's markers) and already run the centre's area;
 * an invigilator supervises the room and is not assumed to teach the subject.
 */

export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	return {
		script: await orError(
			getMockScript(
				event.locals.db,
				event.params.centreId,
				event.params.sittingId,
				event.params.attemptId
			)
		)
	};
};

export const actions: Actions = {
	mark: async (event) => {
		requireRole(event, ['centre_admin'], event.params.centreId);
		const data = await event.request.formData();
		const item = String(data.get('item') ?? '');
		const values = {
			item,
			mark: String(data.get('mark') ?? ''),
			comment: String(data.get('comment') ?? '')
		};
		try {
			const r = await recordMockMark(
				event.locals.db,
				actorOf(event),
				event.params.centreId,
				event.params.sittingId,
				event.params.attemptId,
				values
			);
			return { saved: r.itemKey, mark: r.mark };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
