import { AsyncLocalStorage } from 'node:async_hooks';

/** The request a log line belongs to, set by hooks.server.ts for the whole of each request (read by the logger, src/lib/server/log.ts). */
export interface RequestContext {
	requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
