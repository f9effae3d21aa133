import { json, type RequestHandler } from '@sveltejs/kit';
import { z } from 'zod';

import { requireRole } from '$lib/server/http/auth';
import { readJson } from '$lib/server/http/read-json';
import { apiErrorFrom } from '$lib/server/http/responses';
import { recordMark } from '$lib/server/marking/marks';

const MAX_BODY = 16 * 1024;

/** Any JSON object: its fields are recordMark's to judge (a missing allocation is a 404, a bad award a 400). */
const bodySchema = z.custom<{
	allocationId?: unknown;
	award?: unknown;
	fk?: unknown;
	comment?: unknown;
}>((v) => typeof v === 'object' && v !== null);

/**
 * Saves a mark as the marker works: POST {"allocationId", "award", "fk", "comment"} → the mark, the
 * grid's notes and the script's total so far. Someone else's allocation (or another script's) is a
 * 404, as is no such allocation; a mark the grid does not allow is a 400 with the reason.
 */
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	try {
		const body = await readJson(event.request, bodySchema, {
			maxBytes: MAX_BODY,
			invalid: () => 'Body must be {"allocationId", "award", "fk", "comment"}'
		});
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
