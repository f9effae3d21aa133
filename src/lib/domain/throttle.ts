/**
 * Sign-in throttling. Failures are counted per key inside a sliding window; at `maxFailures` failures
 * the key is locked until the oldest counted failure leaves the window.
 *
 * A sign-in counts against three keys at once (STAFF_SIGN_IN_THROTTLES, CANDIDATE_SIGN_IN_THROTTLES):
 * - the pair (this account or candidate, from this address): the tight limit. Someone guessing from
 *   elsewhere fills their own pair, not the real user's, so a handful of guesses locks no one out.
 * - the address: caps one address trying many accounts (a generous limit for candidates, since a
 *   whole exam room shares one address behind its router).
 * - the account or candidate alone: a looser ceiling, so guesses spread over many addresses are
 *   still capped.
 * A sign-in may go ahead only if every key allows it, and then it counts as a failure on every key
 * until it proves right (reserved before the password or keycode is looked at, so parallel guesses
 * cannot all slip past one check).
 */
export interface ThrottlePolicy {
	maxFailures: number;
	windowMs: number;
}

const MIN = 60_000;

export const ACCOUNT_AT_ADDRESS_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMs: 15 * MIN };
export const ACCOUNT_THROTTLE: ThrottlePolicy = { maxFailures: 50, windowMs: 15 * MIN };
export const ADDRESS_THROTTLE: ThrottlePolicy = { maxFailures: 30, windowMs: 15 * MIN };

export const CANDIDATE_AT_ADDRESS_THROTTLE: ThrottlePolicy = {
	maxFailures: 10,
	windowMs: 10 * MIN
};
export const CANDIDATE_THROTTLE: ThrottlePolicy = { maxFailures: 30, windowMs: 10 * MIN };
export const ROOM_THROTTLE: ThrottlePolicy = { maxFailures: 100, windowMs: 10 * MIN };

/** What a limit counts: the account (or candidate) from one address, the address, the account alone. */
export type ThrottleScope = 'pair' | 'address' | 'subject';

export interface ThrottleRule {
	scope: ThrottleScope;
	policy: ThrottlePolicy;
	/**
	 * Whether a success forgives the key's failures. Only the pair's: a success proves the person at
	 * that address knows the secret, but says nothing about guesses made from elsewhere (the
	 * account's ceiling) or at other accounts (the address; otherwise anyone holding one valid account
	 * could sign in every few guesses and try other accounts from that address without limit).
	 */
	resetBySuccess: boolean;
}

/**
 * In the order the keys are counted. Each key is counted only if the ones before it allowed the
 * sign-in, so the pair comes first: a person locked out of their own pair who keeps trying adds
 * nothing to their room's address or to the account's ceiling (which would lock others out). The
 * address comes before the ceiling for the same reason: a locked address spraying accounts must not
 * fill those accounts' ceilings.
 */
export const STAFF_SIGN_IN_THROTTLES: readonly ThrottleRule[] = [
	{ scope: 'pair', policy: ACCOUNT_AT_ADDRESS_THROTTLE, resetBySuccess: true },
	{ scope: 'address', policy: ADDRESS_THROTTLE, resetBySuccess: false },
	{ scope: 'subject', policy: ACCOUNT_THROTTLE, resetBySuccess: false }
];
export const CANDIDATE_SIGN_IN_THROTTLES: readonly ThrottleRule[] = [
	{ scope: 'pair', policy: CANDIDATE_AT_ADDRESS_THROTTLE, resetBySuccess: true },
	{ scope: 'address', policy: ROOM_THROTTLE, resetBySuccess: false },
	{ scope: 'subject', policy: CANDIDATE_THROTTLE, resetBySuccess: false }
];

/**
 * The results sign-in after the exam day: from home or a library, not an exam room, so the address
 * limit is a person's (the staff one), and the candidate's own ceiling is tight: the code is long
 * and random, the date of birth and the candidate number are not secrets.
 */
export const RESULTS_SIGN_IN_THROTTLES: readonly ThrottleRule[] = [
	{ scope: 'pair', policy: ACCOUNT_AT_ADDRESS_THROTTLE, resetBySuccess: true },
	{ scope: 'address', policy: ADDRESS_THROTTLE, resetBySuccess: false },
	{ scope: 'subject', policy: { maxFailures: 20, windowMs: 60 * MIN }, resetBySuccess: false }
];

export type ThrottleVerdict =
	| { allowed: true; failures: number }
	| { allowed: false; retryAfterSeconds: number; failures: number };

/**
 * `failures`: times of failed attempts since the key's last reset, any order. A failure counts while
 * it is younger than the window; one stamped a little after `now` (another server's clock) counts too.
 * The database applies the same rule when it reserves an attempt (server/auth/throttle.ts), in the
 * same statement that counts, so the two must stay in step.
 */
export function judgeThrottle(
	failures: readonly Date[],
	now: Date,
	policy: ThrottlePolicy
): ThrottleVerdict {
	const windowStart = now.getTime() - policy.windowMs;
	const recent = failures
		.map((d) => d.getTime())
		.filter((t) => t > windowStart)
		.sort((a, b) => a - b);
	if (recent.length < policy.maxFailures) return { allowed: true, failures: recent.length };
	// Unlocks when enough failures have aged out that fewer than maxFailures remain.
	const unlockAt = recent[recent.length - policy.maxFailures]! + policy.windowMs;
	return {
		allowed: false,
		retryAfterSeconds: Math.max(1, Math.ceil((unlockAt - now.getTime()) / 1000)),
		failures: recent.length
	};
}

export function throttleMessage(retryAfterSeconds: number): string {
	const minutes = Math.ceil(retryAfterSeconds / 60);
	return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
