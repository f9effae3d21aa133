import { json, type RequestHandler } from '@sveltejs/kit';

import { knownMigrationNames } from '$lib/server/db/migrate';
import { logger } from '$lib/server/log';
import { getDatabase } from '$lib/server/ops/database';
import { isStopping } from '$lib/server/ops/lifecycle';
import { checkReadiness } from '$lib/server/ops/readiness';

const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * Readiness: may a load balancer send this process requests? 200 when the database answers and its
 * migrations are current; 503 with a reason otherwise, and while the process is stopping (so
 * traffic moves elsewhere before it closes). No session needed; the reason reveals nothing private.
 */
export const GET: RequestHandler = async () => {
	if (isStopping())
		return json(
			{ status: 'unavailable', reason: 'the app is stopping' },
			{ status: 503, headers: NO_STORE }
		);
	let db;
	try {
		db = (await getDatabase()).db;
	} catch (err) {
		logger.warn({ err }, 'readiness: the database could not be opened');
		return json(
			{ status: 'unavailable', reason: 'the database is unreachable' },
			{ status: 503, headers: NO_STORE }
		);
	}
	const r = await checkReadiness(db, knownMigrationNames());
	if (!r.ready)
		return json({ status: 'unavailable', reason: r.reason }, { status: 503, headers: NO_STORE });
	return json({ status: 'ready' }, { headers: NO_STORE });
};
