import type { RequestHandler } from '@sveltejs/kit';

import { signedOutError } from '$lib/server/delivery/candidate-session';
import { questionPaperForCandidate } from '$lib/server/delivery/question-paper';
import { apiErrorFrom } from '$lib/server/http/responses';
import { taggedBodyResponse } from '$lib/server/http/tagged-body';

/**
 * The question paper, built once per paper version and served from memory, compressed. Only to a
 * signed-in candidate on that paper whose sitting has started: the paper is confidential before
 * the start, so it is `private` (never a shared cache or a CDN) and `no-cache` (the browser keeps
 * it, but asks each time, so the session is checked again; the answer is then a 304 of no body).
 */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.candidate) return apiErrorFrom(signedOutError(locals.candidateSignedOut ?? 'ended'));
	try {
		const built = await questionPaperForCandidate(
			locals.db,
			locals.candidate.attempt,
			params.paperVersionId!,
			params.tag!
		);
		return taggedBodyResponse(request, built, 'private, no-cache');
	} catch (err) {
		return apiErrorFrom(err);
	}
};
