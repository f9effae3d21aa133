import {
	error,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';

import { judgeRequestOrigin } from '$lib/domain/request-origin';
import { accessNeededFor } from '$lib/domain/roles';
import { sweepDeadlines } from '$lib/server/attempts/clock';
import { pruneExpired, SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/sessions';
import { computeFinishedSittings } from '$lib/server/awarding/compute';
import { databaseUnavailable } from '$lib/server/db/unavailable';
import { CANDIDATE_COOKIE, checkCandidateToken } from '$lib/server/delivery/candidate-session';
import {
	deleteSessionCookie,
	requireRole,
	setSessionCookie,
	staffCookieExpiry
} from '$lib/server/http/auth';
import { apiError, apiErrorFrom } from '$lib/server/http/responses';
import { logger } from '$lib/server/log';
import { getDatabase } from '$lib/server/ops/database';
import { startJobs } from '$lib/server/ops/jobs';
import { onShutdown } from '$lib/server/ops/lifecycle';
import { metrics } from '$lib/server/ops/metrics';
import { requestIdFrom } from '$lib/server/ops/request-id';
import { requestContext, type RequestContext } from '$lib/server/request-context';
import { createReadyScripts } from '$lib/server/scripts/store';
import { hasControlCharacter, isUuid } from '$lib/server/validation';

/**
 * The timed jobs of every app process (ops/jobs.ts runs them; each is idempotent):
 * - the deadline sweep submits attempts whose time is up even if no request touches them, and on
 *   the same beat makes scripts of submitted attempts once their answers can no longer change;
 * - expired sessions are pruned hourly;
 * - results appear within a minute of the last final mark of a sitting.
 */
export const init: ServerInit = async () => {
	const { db } = await getDatabase();
	const m = metrics();
	const stopJobs = startJobs([
		{
			name: 'deadline sweep',
			everyMs: 10_000,
			run: async ({ lateMs }) => {
				m.sweepTimerLag.set(lateMs / 1000);
				await sweepDeadlines(db, new Date(), (late) => m.sweepLag.observe(late / 1000));
				await createReadyScripts(db, new Date());
			}
		},
		{
			name: 'pruning expired sessions',
			everyMs: 3600_000,
			atStart: true,
			run: () => pruneExpired(db)
		},
		{ name: 'computing finished results', everyMs: 60_000, run: () => computeFinishedSittings(db) }
	]);
	// A stop ends the beats before the database closes (a run already going finishes or fails harmlessly: it is idempotent).
	onShutdown('timers', stopJobs, 'timers');
};

/** Autosave checks the candidate's session in its own save statement (one round trip; saveAnswer). */
function checksOwnCandidateSession(event: RequestEvent): boolean {
	return (
		event.route.id === '/api/attempts/[attemptId]/responses/[itemKey]' &&
		event.request.method === 'PUT'
	);
}

/**
 * Browser features no page of the app uses, switched off so that nothing injected into a page (or
 * a page framing it) can ask for them. (FLoC's `interest-cohort` is gone from browsers, which now
 * warn about it; `browsing-topics` is its successor.)
 */
const PERMISSIONS_POLICY = [
	'accelerometer=()',
	'browsing-topics=()',
	'camera=()',
	'display-capture=()',
	'geolocation=()',
	'gyroscope=()',
	'hid=()',
	'magnetometer=()',
	'microphone=()',
	'midi=()',
	'payment=()',
	'serial=()',
	'usb=()'
].join(', ');

function withSecurityHeaders(response: Response): Response {
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('X-Frame-Options', 'DENY');
	response.headers.set('Referrer-Policy', 'same-origin');
	response.headers.set('Permissions-Policy', PERMISSIONS_POLICY);
	return response;
}

/** A browser asking for a whole page (not its data, a form action or an endpoint). */
function isFullPageRender(event: RequestEvent): boolean {
	return (
		event.request.method === 'GET' &&
		!event.isDataRequest &&
		(event.request.headers.get('accept') ?? '').includes('text/html')
	);
}

/**
 * What is wrong with the route's parameters, or null. A parameter named like an id (`sittingId`,
 * `attemptId`, …) is a uuid, and no parameter holds a control character: anything else names no
 * record, and reaching PostgreSQL it would fail the query (22P02 for a malformed uuid, 22021 for a
 * NUL byte) as a 500 instead of a 404. The services check what they are given too; this covers
 * every route at once, including those whose services take the id as it comes. (A route whose key
 * is not a uuid names its parameter otherwise, as `[code]` and `[itemKey]` do.)
 */
function badRouteParam(
	params: Partial<Record<string, string>>
): { name: string; message: string } | null {
	for (const [name, value] of Object.entries(params)) {
		if (value === undefined) continue;
		const bad = /Id$/.test(name) ? !isUuid(value) : hasControlCharacter(value);
		if (bad)
			return { name, message: /Id$/.test(name) ? `No such ${name.slice(0, -2)}` : 'Not found' };
	}
	return null;
}

/**
 * Every request gets an id (X-Request-Id: the caller's when sane, else new), carried by every log
 * line written while it is answered and returned in the response; its time is measured by route
 * id (never the address, which holds ids and codes) and one line logs it when done. A refusal for
 * too many tries (429) says when to try again (Retry-After), whichever route refused it.
 */
async function identifyRequest({ event, resolve }: Parameters<Handle>[0]): Promise<Response> {
	const requestId = requestIdFrom(event.request.headers.get('x-request-id'));
	event.locals.requestId = requestId;
	const started = performance.now();
	const context: RequestContext = { requestId };
	const response = await requestContext.run(context, async () => {
		try {
			return await resolve(event);
		} catch (err) {
			// error() and redirect() thrown by a hook: SvelteKit answers them; record their status.
			const status =
				typeof err === 'object' && err !== null && 'status' in err
					? Number((err as { status: unknown }).status)
					: 500;
			record(event, requestId, status, started);
			throw err;
		}
	});
	response.headers.set('X-Request-Id', requestId);
	if (context.retryAfterSeconds !== undefined && !response.headers.has('Retry-After'))
		response.headers.set('Retry-After', String(context.retryAfterSeconds));
	record(event, requestId, response.status, started);
	return response;
}

const securityHeaders: Handle = async ({ event, resolve }) =>
	withSecurityHeaders(await resolve(event));

/** The operator's routes: no session, no database unless they ask for it (/readyz does). */
const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function exceptOpsRoutes(handle: Handle): Handle {
	return (input) =>
		input.event.route.id && OPS_ROUTES.has(input.event.route.id)
			? input.resolve(input.event)
			: handle(input);
}

function record(event: RequestEvent, requestId: string, status: number, started: number): void {
	const seconds = (performance.now() - started) / 1000;
	const route = event.route.id ?? 'unmatched';
	metrics().httpDuration.observe(
		{ route, method: event.request.method, status: String(status) },
		seconds
	);
	if (route !== '/healthz' && route !== '/readyz' && route !== '/metrics') {
		requestContext.run({ requestId }, () =>
			logger.info(
				{ method: event.request.method, route, status, ms: Math.round(seconds * 1000) },
				'request'
			)
		);
	}
}

/**
 * The database restarting or refusing writes is a passing state, not a fault of the request: the
 * exam API answers 503 with a reason (the page keeps answers in its outbox and says so), and a page
 * gets the error page that tries again by itself (handleError's `retry`).
 */
const answerUnlessDatabaseAway: Handle = async (input) => {
	try {
		return await input.resolve(input.event);
	} catch (err) {
		if (!databaseUnavailable(err)) throw err;
		logger.warn({ err, route: input.event.route.id }, 'database unavailable');
		if (input.event.url.pathname.startsWith('/api/')) return apiErrorFrom(err);
		// An error thrown here would get SvelteKit's bare static error page, which never comes back.
		// A page gets one that reloads itself instead; a page's data request (the console's refresh)
		// fails, and the browser then loads the whole page, which gets this one.
		if (isFullPageRender(input.event)) return waitAMomentPage();
		throw err;
	}
};

/** The page a browser gets while the database is away: it says so and tries again every 3 s, no script needed. */
function waitAMomentPage(): Response {
	const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="3">
<title>Please wait a moment – 8992 Customer Service Exams</title></head>
<body><main><h1>Please wait a moment</h1><p role="status">The exam server is briefly unavailable. This page will try again by itself.</p></main></body>
</html>`;
	return new Response(html, {
		status: 503,
		headers: {
			'content-type': 'text/html; charset=utf-8',
			'retry-after': '3',
			'cache-control': 'no-store'
		}
	});
}

/**
 * Cross-site request forgery on anything that changes state (see judgeRequestOrigin). SvelteKit
 * checks form posts itself, before this hook; this also covers JSON and empty bodies (the exam
 * API). `event.url.origin` is the app's public origin: adapter-node takes it from ORIGIN when set.
 */
const refuseCrossSite: Handle = async ({ event, resolve }) => {
	const origin = judgeRequestOrigin(
		event.request.method,
		event.request.headers.get('origin'),
		event.request.headers.get('sec-fetch-site'),
		event.url.origin
	);
	if (!origin.allowed) {
		logger.warn(
			{
				method: event.request.method,
				path: event.url.pathname,
				origin: event.request.headers.get('origin'),
				reason: origin.reason
			},
			'cross-origin request refused'
		);
		return apiError(403, origin.reason);
	}
	return resolve(event);
};

/**
 * Who is asking: the staff session and the candidate session from their cookies (a stale cookie is
 * removed). Nothing personal is kept in a shared cache or by the browser.
 */
const recogniseCaller: Handle = async ({ event, resolve }) => {
	const { db } = await getDatabase();
	event.locals.db = db;
	event.locals.user = null;
	event.locals.session = null;
	event.locals.candidate = null;
	event.locals.candidateSignedOut = null;

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
		const checked = await checkCandidateToken(db, candidateToken);
		if (checked.ok) event.locals.candidate = checked.session;
		else {
			event.locals.candidateSignedOut = checked.signedOut;
			event.cookies.delete(CANDIDATE_COOKIE, { path: '/' });
		}
	}

	const response = await resolve(event);
	// A response that sets its own private caching keeps it (the question paper: kept by the browser
	// but revalidated each time, ETag/304).
	const ownCaching = response.headers.get('Cache-Control') ?? '';
	if (
		(event.locals.user || event.locals.candidate || candidateToken) &&
		!/\b(private|no-store)\b/.test(ownCaching)
	) {
		response.headers.set('Cache-Control', 'private, no-store');
	}
	return response;
};

/**
 * Every request to a staff area is checked here, whatever the layouts do (see accessNeededFor). A
 * full page render runs its layouts too, which show the site's own 403/404 page, and goes on to its
 * load, whose service answers the site's own 404 page for a bad id; everything else (page data,
 * form actions, endpoints) is refused here.
 */
const checkAccess: Handle = async ({ event, resolve }) => {
	const need = accessNeededFor(event.route.id, event.params);
	if (need) {
		if (!isFullPageRender(event) || !event.locals.user)
			requireRole(event, need.roles, need.centreId);
	}
	const badParam = badRouteParam(event.params);
	if (badParam && !isFullPageRender(event)) {
		if (event.url.pathname.startsWith('/api/')) return apiError(404, badParam.message);
		error(404, badParam.message);
	}
	return resolve(event);
};

/**
 * Every request passes these in order (each wraps the ones after it): its id and measurement, the
 * security headers, the answer while the database is away, then (except for the operator's routes)
 * the cross-site check, who is asking, and whether they may.
 */
export const handle: Handle = sequence(
	identifyRequest,
	securityHeaders,
	answerUnlessDatabaseAway,
	exceptOpsRoutes(refuseCrossSite),
	exceptOpsRoutes(recogniseCaller),
	exceptOpsRoutes(checkAccess)
);

/**
 * Errors that no load, action or endpoint turned into a response. Below 500 it is SvelteKit itself
 * refusing the request (no such route, 405 method, 413 body over BODY_SIZE_LIMIT, 415 content
 * type): the client's mistake, shown with its own reason and logged as a warning at most. Only a
 * 5xx is ours: logged as an error, and the page says no more than that something went wrong.
 */
/** A page's words while the database is away (the exam API's are DATABASE_UNAVAILABLE_MESSAGE). */
const DATABASE_UNAVAILABLE_MESSAGE_PAGE =
	'The exam server is briefly unavailable. This page will try again by itself.';

export const handleError: HandleServerError = ({ error: err, event, status, message }) => {
	if (status < 500) {
		const reason = err instanceof Error && err.message ? err.message : message;
		if (status === 404) return { message: 'Not found' };
		logger.warn(
			{ status, method: event.request.method, path: event.url.pathname, reason },
			'request refused'
		);
		return { message: status === 413 ? `Request body too large: ${reason}` : reason };
	}
	if (databaseUnavailable(err)) {
		logger.warn({ err, path: event.url.pathname }, 'database unavailable');
		return { message: DATABASE_UNAVAILABLE_MESSAGE_PAGE, retry: true };
	}
	logger.error({ err, path: event.url.pathname }, 'unhandled error');
	return { message: 'Something went wrong on our side. Please try again.' };
};
