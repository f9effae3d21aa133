import { error, type RequestHandler } from '@sveltejs/kit';

import { requireSittingRunner } from '$lib/server/http/sitting-access';
import { logger } from '$lib/server/log';
import { getLiveHub } from '$lib/server/streams/instance';

/**
 * The invigilator console's event stream: `rows` (only the candidates whose row changed: state,
 * last save, sign-in, deadline, with serverNow), `log` (new entries of the sitting's log) and
 * `sitting` (the sitting itself changed: started, ended). Guarded as the console page is: a booked
 * invigilator or the centre's administrator.
 */
export const GET: RequestHandler = async (event) => {
	const sitting = await requireSittingRunner(event, event.params.sittingId!);
	try {
		return await (await getLiveHub()).openConsoleStream(sitting.id, event.locals.session!.id);
	} catch (err) {
		logger.error({ err }, 'the live channel is not available');
		error(503, 'Live updates are not available just now');
	}
};
