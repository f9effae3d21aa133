import { describe, expect, it } from 'vitest';

import {
	CANDIDATE_SIGN_IN_THROTTLES,
	judgeThrottle,
	STAFF_SIGN_IN_THROTTLES,
	throttleMessage,
	type ThrottleRule
} from '../../src/lib/domain/throttle.js';

const MIN = 60_000;
const policy = { maxFailures: 5, windowMs: 15 * MIN };
const now = new Date('2026-11-24T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('judgeThrottle', () => {
	it('allows fewer failures than the limit', () => {
		expect(judgeThrottle([ago(1), ago(2), ago(3), ago(4)], now, policy)).toEqual({
			allowed: true,
			failures: 4
		});
	});
	it('locks at the limit until the oldest counted failure leaves the window', () => {
		const failures = [ago(10 * MIN), ago(4 * MIN), ago(3 * MIN), ago(2 * MIN), ago(1 * MIN)];
		expect(judgeThrottle(failures, now, policy)).toEqual({
			allowed: false,
			retryAfterSeconds: 5 * 60,
			failures: 5
		});
	});
	it('ignores failures older than the window', () => {
		const failures = [ago(16 * MIN), ago(15 * MIN), ago(3 * MIN), ago(2 * MIN), ago(1 * MIN)];
		expect(judgeThrottle(failures, now, policy)).toEqual({ allowed: true, failures: 3 });
	});
	it('with more failures than the limit, unlocks only when enough have aged out', () => {
		const failures = [
			ago(14 * MIN),
			ago(13 * MIN),
			ago(3 * MIN),
			ago(2 * MIN),
			ago(1 * MIN),
			ago(30_000)
		];
		// Six failures: the lock lasts until the second-oldest (13 min ago) ages out, 2 minutes from now.
		expect(judgeThrottle(failures, now, policy)).toEqual({
			allowed: false,
			retryAfterSeconds: 2 * 60,
			failures: 6
		});
	});
	it("counts a failure stamped a moment after now (another server's clock)", () => {
		const failures = [
			ago(3 * MIN),
			ago(2 * MIN),
			ago(1 * MIN),
			ago(1),
			new Date(now.getTime() + 500)
		];
		expect(judgeThrottle(failures, now, policy)).toMatchObject({ allowed: false, failures: 5 });
	});
	it('says how long to wait in whole minutes', () => {
		expect(throttleMessage(61)).toBe('Too many failed sign-in attempts. Try again in 2 minutes.');
		expect(throttleMessage(59)).toBe('Too many failed sign-in attempts. Try again in 1 minute.');
	});
});

describe('sign-in limits', () => {
	const shape = (rules: readonly ThrottleRule[]) =>
		rules.map((r) => [r.scope, r.policy.maxFailures, r.policy.windowMs / MIN, r.resetBySuccess]);
	it('staff: 5 per account at an address, 30 per address, 50 per account, per 15 minutes; pair first', () => {
		expect(shape(STAFF_SIGN_IN_THROTTLES)).toEqual([
			['pair', 5, 15, true],
			['address', 30, 15, false],
			['subject', 50, 15, false]
		]);
	});
	it('candidates: 10 per candidate at an address, 100 per room, 30 per candidate, per 10 minutes; pair first', () => {
		expect(shape(CANDIDATE_SIGN_IN_THROTTLES)).toEqual([
			['pair', 10, 10, true],
			['address', 100, 10, false],
			['subject', 30, 10, false]
		]);
	});
	it("the tight limit is the pair's, so a stranger elsewhere fills only their own", () => {
		for (const rules of [STAFF_SIGN_IN_THROTTLES, CANDIDATE_SIGN_IN_THROTTLES]) {
			const [pair, ...rest] = rules;
			for (const r of rest) expect(r.policy.maxFailures).toBeGreaterThan(pair!.policy.maxFailures);
		}
	});
});
