import { json, type RequestHandler } from '@sveltejs/kit';

import { getCandidateClock } from '$lib/server/delivery/submission';
import { apiErrorFrom, refuseUnlessOwnAttempt } from '$lib/server/http/responses';

/** The server's clock for this attempt: state, serverNow, readingEndsAt, deadlineAt. Polled every few seconds. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	try {
		return json(await getCandidateClock(locals.db, locals.candidate!.attempt));
	} catch (err) {
		return apiErrorFrom(err);
	}
};
