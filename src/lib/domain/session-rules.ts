/**
 * Staff session lifetime (Lucia guide): a session ends after `idleTimeoutMs` without use, and in any
 * case `absoluteTimeoutMs` after it was created. To spare a write on every request, the last-verified
 * time is refreshed at most once per `refreshIntervalMs`.
 */
export interface SessionPolicy {
	idleTimeoutMs: number;
	absoluteTimeoutMs: number;
	refreshIntervalMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
	idleTimeoutMs: 8 * 60 * 60 * 1000,
	absoluteTimeoutMs: 7 * 24 * 60 * 60 * 1000,
	refreshIntervalMs: 60 * 60 * 1000
};

export interface SessionTimes {
	createdAt: Date;
	lastVerifiedAt: Date;
	/** A hard end set at creation (candidate sessions end with their sitting). */
	expiresAt: Date | null;
}

export type SessionVerdict = 'expired' | 'valid' | 'valid_refresh';

export function judgeSession(
	times: SessionTimes,
	now: Date,
	policy: SessionPolicy
): SessionVerdict {
	const t = now.getTime();
	if (times.expiresAt && t >= times.expiresAt.getTime()) return 'expired';
	if (t - times.createdAt.getTime() >= policy.absoluteTimeoutMs) return 'expired';
	const idle = t - times.lastVerifiedAt.getTime();
	if (idle >= policy.idleTimeoutMs) return 'expired';
	return idle >= policy.refreshIntervalMs ? 'valid_refresh' : 'valid';
}

/** When the cookie should stop being sent, given the session's state now. */
export function cookieExpiry(times: SessionTimes, now: Date, policy: SessionPolicy): Date {
	const candidates = [
		now.getTime() + policy.idleTimeoutMs,
		times.createdAt.getTime() + policy.absoluteTimeoutMs
	];
	if (times.expiresAt) candidates.push(times.expiresAt.getTime());
	return new Date(Math.min(...candidates));
}
