import { json, type RequestHandler } from '@sveltejs/kit';

import { saveAnswer } from '$lib/server/delivery/autosave';
import { CANDIDATE_COOKIE, signedOutError } from '$lib/server/delivery/candidate-session';
import { UnauthorizedError } from '$lib/server/errors';
import { apiError, apiErrorFrom } from '$lib/server/http/responses';
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
	// Read the body before refusing it, so the connection stays usable (adapter-node already refuses
	// bodies over BODY_SIZE_LIMIT, 512 KB by default, with 413).
	const raw = await request.text();
	if (raw.length > MAX_SAVE_BODY_BYTES)
		return apiError(400, `Request body over ${MAX_SAVE_BODY_BYTES} bytes`);
	let body: unknown;
	try {
		body = JSON.parse(raw);
	} catch {
		return apiError(400, 'Malformed JSON');
	}
	const parsed = saveBodySchema.safeParse(body);
	if (!parsed.success) {
		const nul = parsed.error.issues.find((i) => i.path[0] === 'text' && i.code === 'custom');
		return apiError(400, nul ? nul.message : 'Body must be {"seq": whole number, "text": string}');
	}
	try {
		const r = await saveAnswer(locals.db, {
			token,
			attemptId: params.attemptId!,
			itemKey: params.itemKey!,
			body: parsed.data
		});
		return json({ seq: r.seq, savedAt: r.savedAt, serverNow: r.serverNow });
	} catch (err) {
		if (err instanceof UnauthorizedError) cookies.delete(CANDIDATE_COOKIE, { path: '/' });
		return apiErrorFrom(err);
	}
}
