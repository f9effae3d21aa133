import { json, type RequestHandler } from '@sveltejs/kit';

import { saveAnswer } from '$lib/server/delivery/autosave';
import { CANDIDATE_COOKIE, signedOutError } from '$lib/server/delivery/candidate-session';
import { UnauthorizedError } from '$lib/server/errors';
import { readJson } from '$lib/server/http/read-json';
import { apiErrorFrom } from '$lib/server/http/responses';
import { MAX_SAVE_BODY_BYTES, saveBodySchema } from '$lib/server/http/save-body';
import { metrics } from '$lib/server/ops/metrics';

/**
 * Autosave one answer: PUT {"seq": 17, "text": "…"} → {"seq", "savedAt", "serverNow"}. The session
 * is checked inside the save itself (see saveAnswer), so hooks.server.ts leaves this route's
 * candidate cookie to it.
 */
export const PUT: RequestHandler = async (event) => {
	const response = await save(event);
	// The operator's counters (GET /metrics): a 200 is a save acknowledged, anything else refused.
	const m = metrics();
	if (response.status === 200) m.autosavesAcknowledged.inc();
	else m.autosavesRefused.inc({ status: String(response.status) });
	return response;
};

async function save({
	locals,
	params,
	request,
	cookies
}: Parameters<RequestHandler>[0]): Promise<Response> {
	const token = cookies.get(CANDIDATE_COOKIE);
	if (!token) return apiErrorFrom(signedOutError('ended'));
	try {
		// readJson reads the body before refusing it, so the connection stays usable (adapter-node
		// already refuses bodies over BODY_SIZE_LIMIT, 512 KB by default, with 413).
		const body = await readJson(request, saveBodySchema, {
			maxBytes: MAX_SAVE_BODY_BYTES,
			invalid: (issues) =>
				issues.find((i) => i.path[0] === 'text' && i.code === 'custom')?.message ??
				'Body must be {"seq": whole number, "text": string}'
		});
		const r = await saveAnswer(locals.db, {
			token,
			attemptId: params.attemptId!,
			itemKey: params.itemKey!,
			body
		});
		return json({ seq: r.seq, savedAt: r.savedAt, serverNow: r.serverNow });
	} catch (err) {
		if (err instanceof UnauthorizedError) cookies.delete(CANDIDATE_COOKIE, { path: '/' });
		return apiErrorFrom(err);
	}
}
