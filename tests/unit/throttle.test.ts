import { describe, expect, it } from 'vitest';
import { judgeThrottle, throttleMessage } from '../../src/lib/domain/throttle.js';

const MIN = 60_000;
const policy = { maxFailures: 5, windowMs: 15 * MIN };
const now = new Date('2026-11-24T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('judgeThrottle', () => {
	it('allows fewer failures than the limit', () => {
		expect(judgeThrottle([ago(1), ago(2), ago(3), ago(4)], now, policy)).toEqual({ allowed: true, failures: 4 });
	});
	it('locks at the limit until the oldest counted failure leaves the window', () => {
		const failures = [ago(10 * MIN), ago(4 * MIN), ago(3 * MIN), ago(2 * MIN), ago(1 * MIN)];
		expect(judgeThrottle(failures, now, policy)).toEqual({ allowed: false, retryAfterSeconds: 5 * 60, failures: 5 });
	});
	it('ignores failures older than the window', () => {
		const failures = [ago(16 * MIN), ago(15 * MIN), ago(3 * MIN), ago(2 * MIN), ago(1 * MIN)];
		expect(judgeThrottle(failures, now, policy)).toEqual({ allowed: true, failures: 3 });
	});
	it('with more failures than the limit, unlocks only when enough have aged out', () => {
		const failures = [ago(14 * MIN), ago(13 * MIN), ago(3 * MIN), ago(2 * MIN), ago(1 * MIN), ago(30_000)];
		// Six failures: the lock lasts until the second-oldest (13 min ago) ages out, 2 minutes from now.
		expect(judgeThrottle(failures, now, policy)).toEqual({ allowed: false, retryAfterSeconds: 2 * 60, failures: 6 });
	});
	it('says how long to wait in whole minutes', () => {
		expect(throttleMessage(61)).toBe('Too many failed sign-in attempts. Try again in 2 minutes.');
		expect(throttleMessage(59)).toBe('Too many failed sign-in attempts. Try again in 1 minute.');
	});
});
