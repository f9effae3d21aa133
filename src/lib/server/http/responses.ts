/**
 * The HTTP side of the project's errors, in one place: services throw them (src/lib/server/errors.ts),
 * routes turn them into responses here and nowhere else.
 */
import { error, fail, json, type ActionFailure } from '@sveltejs/kit';

import { DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailable } from '../db/unavailable.js';
import { signedOutError } from '../delivery/candidate-session.js';
import {
	AppError,
	ConflictError,
	TooManyRequestsError,
	UnauthorizedError,
	ValidationError
} from '../errors.js';
import { askToRetryAfter } from '../request-context.js';

/** Seconds a client is asked to wait before trying again while the database is away. */
const RETRY_AFTER_SECONDS = 5;

export interface FormFailure {
	message: string;
	issues: { field?: string; row?: number; message: string }[];
	values: Record<string, unknown>;
}

/**
 * Maps a service error to a form failure shown inline on the form (400 invalid, 404 gone, 409
 * conflict, 410, 413, 429 too many…, with the service's message), or, for 401 and 403, the site's
 * error page: those are not things the person can correct on the form.
 */
export function failFromError(
	err: unknown,
	values: Record<string, unknown> = {}
): ActionFailure<FormFailure> {
	if (err instanceof TooManyRequestsError) askToRetryAfter(err.retryAfterSeconds);
	if (err instanceof AppError && err.status !== 401 && err.status !== 403) {
		return fail(err.status, {
			message: err.message,
			issues: err instanceof ValidationError ? err.issues : [],
			values
		});
	}
	if (err instanceof AppError) error(err.status, err.message);
	throw err;
}

/** Runs a service call for a load; maps the project's errors to error pages. */
export async function orError<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (err) {
		if (err instanceof TooManyRequestsError) askToRetryAfter(err.retryAfterSeconds);
		if (err instanceof AppError) error(err.status, err.message);
		throw err;
	}
}

export function formValues(data: FormData, keys: readonly string[]): Record<string, string> {
	return Object.fromEntries(keys.map((k) => [k, String(data.get(k) ?? '')]));
}

/** A JSON error for the exam API: a reason, the state where it matters, and the server's time. */
export function apiError(
	status: number,
	message: string,
	extra: Record<string, unknown> = {}
): Response {
	return json({ error: message, ...extra, serverNow: new Date().toISOString() }, { status });
}

export function apiErrorFrom(err: unknown): Response {
	if (err instanceof ConflictError) return apiError(409, err.message, err.details);
	if (err instanceof UnauthorizedError) return apiError(401, err.message, err.details);
	if (err instanceof TooManyRequestsError) {
		const res = apiError(429, err.message);
		res.headers.set('Retry-After', String(err.retryAfterSeconds));
		return res;
	}
	if (err instanceof AppError) return apiError(err.status, err.message);
	// The database restarting, unreachable or refusing writes: 503 with a reason, so the page says
	// so and keeps the answer in its outbox, instead of a bare 500 (issue 14, fault tests).
	if (databaseUnavailable(err)) {
		const res = apiError(503, DATABASE_UNAVAILABLE_MESSAGE);
		res.headers.set('Retry-After', String(RETRY_AFTER_SECONDS));
		return res;
	}
	throw err;
}

/**
 * The exam API's guard: 401 without a candidate session (saying whether the exam moved to another
 * computer or the session ended); 404 for any attempt but the candidate's own
 * (never 403, so an attempt id reveals nothing). Returns the refusal, or null to go on.
 */
export function refuseUnlessOwnAttempt(
	locals: App.Locals,
	attemptId: string | undefined
): Response | null {
	if (!locals.candidate) return apiErrorFrom(signedOutError(locals.candidateSignedOut ?? 'ended'));
	if (locals.candidate.attemptId !== attemptId) return apiError(404, 'No such attempt');
	return null;
}
