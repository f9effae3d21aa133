import { describe, expect, it } from 'vitest';

import {
	attemptStreamEnds,
	clockOffset,
	RECONNECT_BASE_MS,
	RECONNECT_MAX_MS,
	reconnectDelay,
	SLOW_POLL_JITTER_MS,
	SLOW_POLL_MIN_MS,
	slowPollDelay,
	streamsToClose
} from '../../src/lib/domain/live.js';

describe('clock correction', () => {
	it('is the server time minus the local receipt time, plus half the round trip', () => {
		const received = Date.parse('2026-11-30T10:00:00.000Z');
		expect(clockOffset('2026-11-30T10:00:05.000Z', received, 0)).toBe(5000);
		expect(clockOffset('2026-11-30T09:59:58.000Z', received, 0)).toBe(-2000);
		// Stamped 200 ms before it arrived on a 400 ms round trip.
		expect(clockOffset('2026-11-30T10:00:05.000Z', received, 0, 400)).toBe(5200);
		expect(clockOffset('2026-11-30T10:00:05.000Z', received, 0, -50)).toBe(5000);
	});
	it('keeps the previous offset when the stamp is unreadable', () => {
		expect(clockOffset('not a time', 0, 1234)).toBe(1234);
	});
});

describe('reconnecting', () => {
	it('doubles from about a second up to the cap, spread ±50% by the random draw', () => {
		expect(reconnectDelay(0, 0.5)).toBe(RECONNECT_BASE_MS);
		expect(reconnectDelay(1, 0.5)).toBe(2 * RECONNECT_BASE_MS);
		expect(reconnectDelay(3, 0.5)).toBe(8 * RECONNECT_BASE_MS);
		expect(reconnectDelay(50, 0.5)).toBe(RECONNECT_MAX_MS);
		expect(reconnectDelay(0, 0)).toBe(RECONNECT_BASE_MS / 2);
		expect(reconnectDelay(50, 0.999999)).toBeLessThanOrEqual(1.5 * RECONNECT_MAX_MS);
		expect(reconnectDelay(50, 0.999999)).toBeGreaterThan(1.49 * RECONNECT_MAX_MS);
	});
	it('spreads a hall of pages over the window instead of all at once', () => {
		const delays = Array.from({ length: 100 }, (_, i) => reconnectDelay(2, i / 100));
		expect(new Set(delays).size).toBe(100);
		expect(Math.min(...delays)).toBe(2000);
		expect(Math.max(...delays)).toBeLessThan(6000);
	});
	it('treats nonsense input as the median draw and no failures', () => {
		expect(reconnectDelay(-3, Number.NaN)).toBe(RECONNECT_BASE_MS);
	});
});

describe('the slow poll while the stream is down', () => {
	it('waits 30 s at least, 45 s at most', () => {
		expect(slowPollDelay(0)).toBe(SLOW_POLL_MIN_MS);
		expect(slowPollDelay(0.5)).toBe(SLOW_POLL_MIN_MS + SLOW_POLL_JITTER_MS / 2);
		expect(slowPollDelay(1)).toBeLessThanOrEqual(SLOW_POLL_MIN_MS + SLOW_POLL_JITTER_MS);
		expect(slowPollDelay(-1)).toBe(SLOW_POLL_MIN_MS);
		expect(SLOW_POLL_MIN_MS).toBeGreaterThanOrEqual(30_000);
	});
});

describe('streams per session', () => {
	it('closes nothing while one more fits', () => {
		expect(streamsToClose([], 3)).toEqual([]);
		expect(streamsToClose([10, 20], 3)).toEqual([]);
	});
	it('closes the oldest to make room for one more', () => {
		expect(streamsToClose([30, 10, 20], 3)).toEqual([1]);
		expect(streamsToClose([30, 10, 20, 5], 3)).toEqual([3, 1]);
		expect(streamsToClose([7, 7, 7], 3)).toEqual([0]);
	});
	it('a cap below one still lets the new stream open', () => {
		expect(streamsToClose([1, 2], 0)).toEqual([0, 1]);
	});
});

describe('ended attempts', () => {
	it('end their stream when submitted, voided or absent, not while paused', () => {
		expect(['submitted', 'void', 'absent'].map(attemptStreamEnds)).toEqual([true, true, true]);
		expect(['not_started', 'reading', 'in_progress', 'paused'].map(attemptStreamEnds)).toEqual([
			false,
			false,
			false,
			false
		]);
	});
});
