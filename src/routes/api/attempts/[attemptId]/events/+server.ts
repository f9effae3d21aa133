import type { RequestHandler } from '@sveltejs/kit';

import { effectiveState } from '$lib/domain/attempt';
import { attemptStreamEnds } from '$lib/domain/live';
import { apiError, refuseUnlessOwnAttempt } from '$lib/server/http/responses';
import { logger } from '$lib/server/log';
import { getLiveHub } from '$lib/server/streams/instance';

/**
 * The candidate page's event stream (text/event-stream) of its own attempt: `clock` events (the
 * attempt's state, deadline, pause, extra time, serverNow) as they change, `now` at each heartbeat,
 * `signedout` if the exam moves to another computer. Refused like the rest of the exam API (401, or
 * 404 for any attempt but the session's own); an ended attempt answers 204, which tells the browser
 * to stop reconnecting.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	const { attempt, sessionId, attemptId } = locals.candidate!;
	if (attemptStreamEnds(effectiveState(attempt.row.state, attempt.row.reading_ends_at, new Date())))
		return new Response(null, { status: 204 });
	try {
		return await (await getLiveHub()).openCandidateStream(attemptId, sessionId);
	} catch (err) {
		// The page falls back to its slow poll of the clock.
		logger.error({ err }, 'the live channel is not available');
		return apiError(503, 'Live updates are not available just now');
	}
};
