import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { getDatabase } from '$lib/server/db/instance';
import { pruneExpired, SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/sessions';
import { deleteSessionCookie, requireRole, setSessionCookie, staffCookieExpiry } from '$lib/server/auth/http';
import { accessNeededFor } from '$lib/domain/roles';
import { logger } from '$lib/server/log';
import { CANDIDATE_COOKIE, validateCandidateToken } from '$lib/server/delivery/candidate';
import { sweepDeadlines } from '$lib/server/delivery/attempts';

const SWEEP_INTERVAL_MS = 10_000;
const PRUNE_INTERVAL_MS = 3600_000;

/**
 * The deadline sweep: submits attempts whose time is up even if no request touches them. It is
 * idempotent (state-guarded updates), so every app process may run it.
 */
export const init: ServerInit = async () => {
	const { db } = await getDatabase();
	const timer = setInterval(() => {
		sweepDeadlines(db).catch((err: unknown) => logger.error({ err }, 'deadline sweep failed'));
	}, SWEEP_INTERVAL_MS);
	timer.unref();
	const prune = () => pruneExpired(db).catch((err: unknown) => logger.error({ err }, 'pruning expired sessions failed'));
	void prune();
	setInterval(prune, PRUNE_INTERVAL_MS).unref();
};

/** Autosave checks the candidate's session in its own save statement (one round trip; saveAnswer). */
function checksOwnCandidateSession(event: RequestEvent): boolean {
	return event.route.id === '/api/attempts/[attemptId]/responses/[itemKey]' && event.request.method === 'PUT';
}

export const handle: Handle = async ({ event, resolve }) => {
	const { db } = await getDatabase();
	event.locals.db = db;
	event.locals.user = null;
	event.locals.session = null;
	event.locals.candidate = null;

	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const result = await validateSessionToken(db, token);
		if (result) {
			event.locals.user = result.user;
			event.locals.session = result.session;
			setSessionCookie(event, token, staffCookieExpiry(result.session));
		} else {
			deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		}
	}

	const candidateToken = event.cookies.get(CANDIDATE_COOKIE);
	if (candidateToken && !checksOwnCandidateSession(event)) {
		event.locals.candidate = await validateCandidateToken(db, candidateToken);
		if (!event.locals.candidate) event.cookies.delete(CANDIDATE_COOKIE, { path: '/' });
	}

	// Every request to a staff area is checked here, whatever the layouts do (see accessNeededFor).
	// A full page render runs its layouts too, which show the site's own 403/404 page; everything else
	// (page data, form actions, endpoints) is refused here.
	const need = accessNeededFor(event.route.id, event.params);
	if (need) {
		const fullPageRender = event.request.method === 'GET' && !event.isDataRequest && (event.request.headers.get('accept') ?? '').includes('text/html');
		if (!fullPageRender || !event.locals.user) requireRole(event, need.roles, need.centreId);
	}

	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('X-Frame-Options', 'DENY');
	response.headers.set('Referrer-Policy', 'same-origin');
	if (event.locals.user || event.locals.candidate || candidateToken) response.headers.set('Cache-Control', 'private, no-store');
	return response;
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) logger.error({ err: error, path: event.url.pathname }, 'unhandled error');
	return { message: status === 404 ? 'Not found' : 'Something went wrong on our side. Please try again.' };
};
