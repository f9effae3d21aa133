import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/** The request a log line belongs to, set by hooks.server.ts for the whole of each request. */
export interface RequestContext {
	requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * One structured logger for the server (JSON lines on stdout). LOG_LEVEL sets the level. A line
 * written while a request is answered carries its `requestId`, wherever in the code it is written
 * (services log through this same logger), so one request's lines can be found together; the id
 * is also the response's X-Request-Id header.
 */
export const logger = pino({
	level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
	mixin() {
		const ctx = requestContext.getStore();
		return ctx ? { requestId: ctx.requestId } : {};
	}
});
