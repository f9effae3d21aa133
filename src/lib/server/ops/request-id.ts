import { randomUUID } from 'node:crypto';

/**
 * The request's id: the caller's X-Request-Id when it is a sane token (a proxy or load balancer
 * that set one can then follow the request into our logs), otherwise a new uuid. Anything longer
 * than 128 characters or outside [A-Za-z0-9._:-] is replaced, so a header never puts arbitrary
 * text into the logs or the response.
 */
export function requestIdFrom(header: string | null): string {
	return header && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}
