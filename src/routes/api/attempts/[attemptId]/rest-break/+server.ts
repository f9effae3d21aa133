import { json, type RequestHandler } from '@sveltejs/kit';
import { z } from 'zod';

import { candidateRestBreak } from '$lib/server/delivery/submission';
import { readJson } from '$lib/server/http/read-json';
import { apiErrorFrom, refuseUnlessOwnAttempt } from '$lib/server/http/responses';

const SHAPE = 'Body must be {"action": "start" | "end"}';
const bodySchema = z.object({ action: z.enum(['start', 'end']) });

/** POST {"action": "start" | "end"}: a candidate with rest breaks stops or restarts their own clock. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	try {
		const body = await readJson(request, bodySchema, { malformed: SHAPE, invalid: () => SHAPE });
		return json(await candidateRestBreak(locals.db, params.attemptId!, body.action === 'start'));
	} catch (err) {
		return apiErrorFrom(err);
	}
};
