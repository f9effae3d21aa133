import type { Handle } from '@sveltejs/kit';
import { with_request_store } from '@sveltejs/kit/internal/server';

/** A span that records nothing: the tests do not trace. */
const NO_SPAN = {
	setAttribute: () => NO_SPAN,
	setAttributes: () => NO_SPAN,
	addEvent: () => NO_SPAN,
	setStatus: () => NO_SPAN,
	recordException: () => {},
	end: () => {},
	isRecording: () => false,
	spanContext: () => ({ traceId: '', spanId: '', traceFlags: 0 }),
	updateName: () => NO_SPAN
};

/**
 * Calls the app's hook as SvelteKit's server does: inside the request store, which `sequence()`
 * reads (for its tracing spans) and which the server sets up before any hook runs.
 */
export function callHandle(handle: Handle, input: Parameters<Handle>[0]) {
	const state = {
		tracing: { record_span: ({ fn }: { fn: (span: typeof NO_SPAN) => unknown }) => fn(NO_SPAN) }
	};
	return with_request_store({ event: input.event, state }, () => handle(input));
}
