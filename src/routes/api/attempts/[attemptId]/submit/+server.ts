import { json, type RequestHandler } from '@sveltejs/kit';

import { submitAttempt } from '$lib/server/delivery/submission';
import { apiErrorFrom, refuseUnlessOwnAttempt } from '$lib/server/http/responses';

export const POST: RequestHandler = async ({ locals, params }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	try {
		return json(await submitAttempt(locals.db, params.attemptId!));
	} catch (err) {
		return apiErrorFrom(err);
	}
};
