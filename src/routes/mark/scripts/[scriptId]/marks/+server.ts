import { json, type RequestHandler } from '@sveltejs/kit';

import { requireRole } from '$lib/server/http/auth';
import { apiError, apiErrorFrom } from '$lib/server/http/responses';
import { recordMark } from '$lib/server/marking/marks';

const MAX_BODY = 16 * 1024;

/**
 * Saves a mark as the marker works: POST {"allocationId", "award", "fk", "comment"} → the mark, the
 * grid's notes and the script's total so far. Someone else's allocation (or another script's) is a
 * 404, as is no such allocation; a mark the grid does not allow is a 400 with the reason.
 */
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	const raw = await event.request.text();
	if (raw.length > MAX_BODY) return apiError(400, `Request body over ${MAX_BODY} bytes`);
	let body: { allocationId?: unknown; award?: unknown; fk?: unknown; comment?: unknown };
	try {
		body = JSON.parse(raw);
	} catch {
		return apiError(400, 'Malformed JSON');
	}
	if (typeof body !== 'object' || body === null)
		return apiError(400, 'Body must be {"allocationId", "award", "fk", "comment"}');
	try {
		const r = await recordMark(event.locals.db, {
			markerId: user.id,
			allocationId: String(body.allocationId ?? ''),
			scriptId: event.params.scriptId!,
			award: body.award,
			fk: body.fk,
			comment: body.comment
		});
		return json(r);
	} catch (err) {
		return apiErrorFrom(err);
	}
};
