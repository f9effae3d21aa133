/**
 * A page's live stream (Server-Sent Events), kept up: the exam page and the invigilator's console
 * both use this one. Named events go to their handlers. While the stream is down the page's own
 * `poll` runs every 30–45 s (the clock endpoint, or the page's data again) until it is back; the
 * browser reconnects by itself, and a stream it gave up on (refused, or closed) is opened again
 * after a backoff with jitter (domain/live's reconnectDelay). Another tab of the same session
 * taking the stream over ("replaced") leaves this one on the poll alone.
 *
 * The EventSource, the timers and the random draw are passed in (defaults: the browser's), so the
 * unit tests drive it without a browser.
 */
import { reconnectDelay, slowPollDelay } from '../domain/live.js';

/** EventSource.readyState values (EventSource itself exists only in a browser). */
const OPEN = 1;
const CLOSED = 2;

/** As much of an EventSource as this module uses. */
export interface EventSourceLike {
	readonly readyState: number;
	addEventListener(type: string, listener: (event: Event) => void): void;
	close(): void;
}

/** Runs `run` once after `ms`; the answer cancels it. */
export type After = (ms: number, run: () => void) => () => void;

/** What a handler may do with the stream that delivered its event. */
export interface LiveSource {
	/** Closes this connection for good: no reconnect follows (the poll runs on only if already running). */
	close(): void;
}

export interface LiveStreamOptions {
	url: string;
	/** Handlers by event name; each gets the event's data (its text). */
	events: Record<string, (data: string, source: LiveSource) => void>;
	/** While the stream is down: what the page does every 30–45 s instead. */
	poll: () => Promise<unknown>;
	/** The stream went down (an error): the page may say it is behind. */
	onDown?: () => void;
	/** Nothing on this page may carry on (it stops polling and opening streams). */
	halted?: () => boolean;
	/** There is nothing more to hear (no stream is opened, and one that fails is not reopened). */
	ended?: () => boolean;
	connect?: (url: string) => EventSourceLike;
	after?: After;
	random?: () => number;
}

export interface LiveStream {
	/** Stops it all: the stream, the poll, the reconnect. */
	close(): void;
}

const browserAfter: After = (ms, run) => {
	const id = setTimeout(run, ms);
	return () => clearTimeout(id);
};

const dataOf = (event: Event) => ('data' in event ? String(event.data) : '');

export function openLiveStream(options: LiveStreamOptions): LiveStream {
	const connect = options.connect ?? ((url: string) => new EventSource(url));
	const after = options.after ?? browserAfter;
	const random = options.random ?? Math.random;
	let stopped = false;
	const halted = () => stopped || (options.halted?.() ?? false);
	const ended = () => options.ended?.() ?? false;

	let stream: EventSourceLike | null = null;
	let failures = 0;
	let cancelReopen: (() => void) | null = null;
	let cancelPoll: (() => void) | null = null;

	function slowPoll() {
		if (cancelPoll !== null || halted()) return;
		cancelPoll = after(slowPollDelay(random()), async () => {
			cancelPoll = null;
			await options.poll();
			if (stream?.readyState !== OPEN) slowPoll();
		});
	}

	function stopSlowPoll() {
		cancelPoll?.();
		cancelPoll = null;
	}

	function open() {
		if (halted() || ended()) return;
		const es = connect(options.url);
		stream = es;
		const source: LiveSource = { close: () => es.close() };
		es.addEventListener('open', () => {
			failures = 0;
			stopSlowPoll();
		});
		for (const [name, handle] of Object.entries(options.events))
			es.addEventListener(name, (e) => handle(dataOf(e), source));
		es.addEventListener('replaced', () => {
			es.close();
			slowPoll();
		});
		es.addEventListener('error', () => {
			if (halted() || ended()) {
				es.close();
				return;
			}
			options.onDown?.();
			slowPoll();
			// CONNECTING: the browser is already retrying. CLOSED: it gave up; try again later.
			if (es.readyState !== CLOSED) return;
			es.close();
			if (stream === es) stream = null;
			if (cancelReopen !== null) return;
			cancelReopen = after(reconnectDelay(failures++, random()), () => {
				cancelReopen = null;
				open();
			});
		});
	}

	open();
	return {
		close() {
			stopped = true;
			stream?.close();
			stopSlowPoll();
			cancelReopen?.();
			cancelReopen = null;
		}
	};
}
