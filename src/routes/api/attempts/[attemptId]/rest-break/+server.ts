import { json, type RequestHandler } from '@sveltejs/kit';

import { candidateRestBreak } from '$lib/server/delivery/submission';
import { apiError, apiErrorFrom, refuseUnlessOwnAttempt } from '$lib/server/http/responses';

/** POST {"action": "start" | "end"}: a candidate with rest breaks stops or restarts their own clock. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	const body = (await request.json().catch(() => null)) as { action?: unknown } | null;
	if (body?.action !== 'start' && body?.action !== 'end')
		return apiError(400, 'Body must be {"action": "start" | "end"}');
	try {
		return json(await candidateRestBreak(locals.db, params.attemptId!, body.action === 'start'));
	} catch (err) {
		return apiErrorFrom(err);
	}
};
