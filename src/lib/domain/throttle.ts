/**
 * Sign-in throttling. Failures are counted per key (an account, an address) inside a sliding window;
 * an account's success resets its count (an address records failures only, so nothing resets it). At `maxFailures` failures the key is locked until the
 * oldest counted failure leaves the window.
 */
export interface ThrottlePolicy {
	maxFailures: number;
	windowMs: number;
}

export const ACCOUNT_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMs: 15 * 60 * 1000 };
export const ADDRESS_THROTTLE: ThrottlePolicy = { maxFailures: 30, windowMs: 15 * 60 * 1000 };

export type ThrottleVerdict = { allowed: true; failures: number } | { allowed: false; retryAfterSeconds: number; failures: number };

/** `failures`: times of failed attempts since the key's last success, any order. */
export function judgeThrottle(failures: readonly Date[], now: Date, policy: ThrottlePolicy): ThrottleVerdict {
	const windowStart = now.getTime() - policy.windowMs;
	const recent = failures
		.map((d) => d.getTime())
		.filter((t) => t > windowStart && t <= now.getTime())
		.sort((a, b) => a - b);
	if (recent.length < policy.maxFailures) return { allowed: true, failures: recent.length };
	// Unlocks when enough failures have aged out that fewer than maxFailures remain.
	const unlockAt = recent[recent.length - policy.maxFailures]! + policy.windowMs;
	return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((unlockAt - now.getTime()) / 1000)), failures: recent.length };
}

export function throttleMessage(retryAfterSeconds: number): string {
	const minutes = Math.ceil(retryAfterSeconds / 60);
	return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
