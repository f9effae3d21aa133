import { json, type RequestHandler } from '@sveltejs/kit';
import { saveResponse } from '$lib/server/delivery/candidate';
import { MAX_SAVE_BODY_BYTES, saveBodySchema } from '$lib/server/delivery/api';
import { apiError, apiErrorFrom, refuseUnlessOwnAttempt } from '$lib/server/routes';

/** Autosave one answer: PUT {"seq": 17, "text": "…"} → {"seq", "savedAt", "serverNow"}. */
export const PUT: RequestHandler = async ({ locals, params, request }) => {
	const refused = refuseUnlessOwnAttempt(locals, params.attemptId);
	if (refused) return refused;
	// Read the body before refusing it, so the connection stays usable (adapter-node already refuses
	// bodies over BODY_SIZE_LIMIT, 512 KB by default, with 413).
	const raw = await request.text();
	if (raw.length > MAX_SAVE_BODY_BYTES) return apiError(400, `Request body over ${MAX_SAVE_BODY_BYTES} bytes`);
	let body: unknown;
	try {
		body = JSON.parse(raw);
	} catch {
		return apiError(400, 'Malformed JSON');
	}
	const parsed = saveBodySchema.safeParse(body);
	if (!parsed.success) return apiError(400, 'Body must be {"seq": whole number, "text": string}');
	try {
		const r = await saveResponse(locals.db, locals.candidate!.attempt, params.itemKey!, parsed.data);
		return json({ seq: r.seq, savedAt: r.savedAt, serverNow: r.serverNow });
	} catch (err) {
		return apiErrorFrom(err);
	}
};
