import { createHash, timingSafeEqual } from 'node:crypto';

export type MetricsAccess =
	{ allowed: true } | { allowed: false; status: 401 | 403; reason: string };

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameSecret(a: string, b: string): boolean {
	// Hashes first: equal lengths for timingSafeEqual, and the compare says nothing about the length.
	return timingSafeEqual(
		createHash('sha256').update(a).digest(),
		createHash('sha256').update(b).digest()
	);
}

/**
 * Who may read /metrics. With METRICS_TOKEN set: a request carrying `Authorization: Bearer
 * <token>` (401 without one, 403 with a wrong one). Unset: only a client on this machine talking
 * to the app directly: a loopback address and no X-Forwarded-For (a reverse proxy on the same
 * machine forwards the public's requests from loopback, and says so in that header).
 */
export function judgeMetricsAccess(opts: {
	token: string | undefined;
	authorization: string | null;
	clientAddress: string;
	forwardedFor: string | null;
}): MetricsAccess {
	if (opts.token) {
		const m = /^Bearer\s+(\S+)$/i.exec(opts.authorization ?? '');
		if (!m)
			return {
				allowed: false,
				status: 401,
				reason: 'Metrics need a bearer token (Authorization: Bearer <METRICS_TOKEN>)'
			};
		return sameSecret(m[1]!, opts.token)
			? { allowed: true }
			: { allowed: false, status: 403, reason: 'Wrong metrics token' };
	}
	if (LOOPBACK.has(opts.clientAddress) && !opts.forwardedFor) return { allowed: true };
	return {
		allowed: false,
		status: 403,
		reason: 'Metrics are served only to this machine unless METRICS_TOKEN is set'
	};
}
