import pino, { type DestinationStream, type Logger } from 'pino';

import { requestContext } from './request-context.js';

/**
 * One structured logger for the server (JSON lines on stdout). LOG_LEVEL sets the level. A line
 * written while a request is answered carries its `requestId`, wherever in the code it is written
 * (services log through this same logger), so one request's lines can be found together; the id
 * is also the response's X-Request-Id header.
 */
const REDACTED = [
	'password',
	'token',
	'secret',
	'keycode',
	'authorization',
	'cookie',
	'text',
	'answer'
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
	const options = {
		level,
		// A second guard behind "never log a secret or an answer": such fields, if ever passed, print as [redacted].
		redact: { paths: [...REDACTED, ...REDACTED.map((k) => `*.${k}`)], censor: '[redacted]' },
		mixin() {
			const ctx = requestContext.getStore();
			return ctx ? { requestId: ctx.requestId } : {};
		}
	};
	return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger(
	process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info')
);
