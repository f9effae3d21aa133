import { json, type RequestHandler } from '@sveltejs/kit';

/** Liveness: the process is up and answering. No database, no session: a restart is the only cure for a failure here. */
export const GET: RequestHandler = () =>
	json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
