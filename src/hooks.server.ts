import {
	error,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';

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
import { onShutdown } from '$lib/server/ops/lifecycle';
import { metrics } from '$lib/server/ops/metrics';
import { requestIdFrom } from '$lib/server/ops/request-id';
import { requestContext } from '$lib/server/request-context';
import { createReadyScripts } from '$lib/server/scripts/store';
import { hasControlCharacter, isUuid } from '$lib/server/validation';

const SWEEP_INTERVAL_MS = 10_000;
const PRUNE_INTERVAL_MS = 3600_000;
/** Results appear within a minute of the last final mark of a sitting. */
const RESULTS_INTERVAL_MS = 60_000;

/**
 * The deadline sweep: submits attempts whose time is up even if no request touches them. It is
 * idempotent (state-guarded updates), so every app process may run it. The same beat makes scripts
 * of submitted attempts once their answers can no longer change (idempotent too).
 */
export const init: ServerInit = async () => {
	const { db } = await getDatabase();
	const m = metrics();
	let sweepDue = Date.now() + SWEEP_INTERVAL_MS;
	const sweep = setInterval(() => {
		// How late this beat started (a busy event loop delays timers), then how late each attempt it submits was.
		m.sweepTimerLag.set(Math.max(0, Date.now() - sweepDue) / 1000);
		sweepDue += SWEEP_INTERVAL_MS;
		sweepDeadlines(db, new Date(), (lateMs) => m.sweepLag.observe(lateMs / 1000))
			.then(() => createReadyScripts(db, new Date()))
			.catch((err: unknown) => logger.error({ err }, 'deadline sweep failed'));
	}, SWEEP_INTERVAL_MS);
	sweep.unref();
	const prune = () =>
		pruneExpired(db).catch((err: unknown) =>
			logger.error({ err }, 'pruning expired sessions failed')
		);
	void prune();
	const pruning = setInterval(prune, PRUNE_INTERVAL_MS);
	pruning.unref();
	const results = setInterval(() => {
		computeFinishedSittings(db).catch((err: unknown) =>
			logger.error({ err }, 'computing finished results failed')
		);
	}, RESULTS_INTERVAL_MS);
	results.unref();
	// A stop ends the beats before the database closes (a sweep already running finishes or fails harmlessly: it is idempotent).
	onShutdown(
		'timers',
		() => {
			clearInterval(sweep);
			clearInterval(pruning);
			clearInterval(results);
		},
		'timers'
	);
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

/** The operator's routes: no session, no database unless they ask for it (/readyz does). */
const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Every request gets an id (X-Request-Id: the caller's when sane, else new), carried by every log
 * line written while it is answered and returned in the response; its time is measured by route
 * id (never the address, which holds ids and codes) and one line logs it when done.
 */
export const handle: Handle = async ({ event, resolve }) => {
	const requestId = requestIdFrom(event.request.headers.get('x-request-id'));
	event.locals.requestId = requestId;
	const started = performance.now();
	const response = await requestContext.run({ requestId }, async () => {
		try {
			return await answerUnlessDatabaseAway({ event, resolve });
		} catch (err) {
			// error() and redirect() thrown by this hook: SvelteKit answers them; record their status.
			const status =
				typeof err === 'object' && err !== null && 'status' in err
					? Number((err as { status: unknown }).status)
					: 500;
			record(event, requestId, status, started);
			throw err;
		}
	});
	response.headers.set('X-Request-Id', requestId);
	record(event, requestId, response.status, started);
	return response;
};

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
		return await handleRequest(input);
	} catch (err) {
		if (!databaseUnavailable(err)) throw err;
		logger.warn({ err, route: input.event.route.id }, 'database unavailable');
		if (input.event.url.pathname.startsWith('/api/')) return withSecurityHeaders(apiErrorFrom(err));
		// An error thrown here would get SvelteKit's bare static error page, which never comes back.
		// A page gets one that reloads itself instead; a page's data request (the console's refresh)
		// fails, and the browser then loads the whole page, which gets this one.
		if (isFullPageRender(input.event)) return withSecurityHeaders(waitAMomentPage());
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

const handleRequest: Handle = async ({ event, resolve }) => {
	if (event.route.id && OPS_ROUTES.has(event.route.id))
		return withSecurityHeaders(await resolve(event));

	// Cross-site request forgery on anything that changes state (see judgeRequestOrigin). SvelteKit
	// checks form posts itself, before this hook; this also covers JSON and empty bodies (the exam
	// API). `event.url.origin` is the app's public origin: adapter-node takes it from ORIGIN when set.
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
		return withSecurityHeaders(apiError(403, origin.reason));
	}

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

	// Every request to a staff area is checked here, whatever the layouts do (see accessNeededFor).
	// A full page render runs its layouts too, which show the site's own 403/404 page; everything else
	// (page data, form actions, endpoints) is refused here.
	const need = accessNeededFor(event.route.id, event.params);
	if (need) {
		if (!isFullPageRender(event) || !event.locals.user)
			requireRole(event, need.roles, need.centreId);
	}

	// A full page render goes on to its load, whose service answers the site's own 404 page; page
	// data, form actions and endpoints are refused here.
	const badParam = badRouteParam(event.params);
	if (badParam && !isFullPageRender(event)) {
		if (event.url.pathname.startsWith('/api/'))
			return withSecurityHeaders(apiError(404, badParam.message));
		error(404, badParam.message);
	}

	const response = withSecurityHeaders(await resolve(event));
	// Nothing personal in a shared cache or kept by the browser; a response that sets its own private
	// caching keeps it (the question paper: kept by the browser but revalidated each time, ETag/304).
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
