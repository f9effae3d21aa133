import type { RequestHandler } from '@sveltejs/kit';

import { apiError } from '$lib/server/http/responses';
import { metrics } from '$lib/server/ops/metrics';
import { judgeMetricsAccess } from '$lib/server/ops/metrics-access';

/** Prometheus metrics (text format), for the operator only: see judgeMetricsAccess and README, "Operations". */
export const GET: RequestHandler = async ({ request, getClientAddress }) => {
	const access = judgeMetricsAccess({
		token: process.env.METRICS_TOKEN || undefined,
		authorization: request.headers.get('authorization'),
		clientAddress: getClientAddress(),
		forwardedFor: request.headers.get('x-forwarded-for')
	});
	if (!access.allowed) {
		const res = apiError(access.status, access.reason);
		if (access.status === 401) res.headers.set('WWW-Authenticate', 'Bearer realm="metrics"');
		return res;
	}
	const { registry } = metrics();
	return new Response(await registry.metrics(), {
		headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }
	});
};
