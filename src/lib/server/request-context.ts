import { AsyncLocalStorage } from 'node:async_hooks';

/** The request a log line belongs to, set by hooks.server.ts for the whole of each request (read by the logger, src/lib/server/log.ts). */
export interface RequestContext {
	requestId: string;
	/**
	 * Set where a throttle's refusal (TooManyRequestsError) becomes a response, whatever its route
	 * (a form's failure, an API error): the hook sends it as Retry-After.
	 */
	retryAfterSeconds?: number;
}

/** Asks the response to this request to say when to try again. */
export function askToRetryAfter(seconds: number): void {
	const context = requestContext.getStore();
	if (context) context.retryAfterSeconds = seconds;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
