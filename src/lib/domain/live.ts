/**
 * The rules of the live channel (issue 13), pure: how far a browser's clock is from the server's,
 * how long to wait before reconnecting, how often to poll while the stream is down, and which
 * streams to close when a session opens too many. `random` is passed in (0 ≤ r < 1) so tests can
 * pin it.
 */
import { FINAL_STATES } from './attempt.js';

/**
 * The server's time minus this computer's, from a message carrying `serverNow` received at
 * `receivedAtMs` (this computer's clock). Half the round trip, when known, is added: the server
 * stamped the message that long before it arrived. An unreadable stamp keeps the previous offset.
 */
export function clockOffset(
	serverNowIso: string,
	receivedAtMs: number,
	previous: number,
	roundTripMs = 0
): number {
	const server = Date.parse(serverNowIso);
	if (!Number.isFinite(server)) return previous;
	return server + Math.max(0, roundTripMs) / 2 - receivedAtMs;
}

/** Reconnecting: the first try after about 1 s, doubling up to 30 s, each spread ±50% so a hall does not reconnect in step. */
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
export function reconnectDelay(failures: number, random: number): number {
	const n = Math.max(0, Math.floor(failures));
	const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(n, 16));
	return Math.round(base * (0.5 + clamp01(random)));
}

/** While the stream is down the page asks the clock endpoint now and then: at least 30 s apart, up to 45 s. */
export const SLOW_POLL_MIN_MS = 30_000;
export const SLOW_POLL_JITTER_MS = 15_000;
export function slowPollDelay(random: number): number {
	return SLOW_POLL_MIN_MS + Math.round(clamp01(random) * SLOW_POLL_JITTER_MS);
}

/** Streams one session may hold open at once (a few tabs); opening one more closes the oldest. */
export const STREAMS_PER_SESSION = 3;

/**
 * Which of a session's open streams to close so that one more fits within `cap`: the oldest
 * first. `openedAt` lists each open stream's opening time (any order); the answer is their indexes.
 */
export function streamsToClose(openedAt: readonly number[], cap = STREAMS_PER_SESSION): number[] {
	const excess = openedAt.length + 1 - Math.max(1, cap);
	if (excess <= 0) return [];
	return openedAt
		.map((t, i) => ({ t, i }))
		.sort((a, b) => a.t - b.t || a.i - b.i)
		.slice(0, excess)
		.map((x) => x.i);
}

/** The heartbeat: a comment line every 25 s keeps proxies from closing an idle stream and lets the browser notice a dead one. */
export const HEARTBEAT_MS = 25_000;

/** An attempt's stream has nothing more to say once the attempt is in a final state. */
export function attemptStreamEnds(state: string): boolean {
	return (FINAL_STATES as readonly string[]).includes(state);
}

function clamp01(r: number): number {
	return Number.isFinite(r) ? Math.min(Math.max(r, 0), 0.999999) : 0.5;
}
