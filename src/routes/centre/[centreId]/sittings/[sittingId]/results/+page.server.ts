import { CODE_NAMES, type PerformanceCode } from '$lib/domain/codes';
import { distributionSummary, gradeDistribution, outcomeWords } from '$lib/domain/result-report';
import { requireRole } from '$lib/server/http/auth';
import { orError } from '$lib/server/http/responses';
import { sittingResults } from '$lib/server/reports/centre-results';

import type { PageServerLoad } from './$types';

/** A sitting's results for its centre: withheld (no grades at all) until the awarding body releases them. */
export const load: PageServerLoad = async (event) => {
	requireRole(event, ['centre_admin'], event.params.centreId);
	const r = await orError(
		sittingResults(event.locals.db, event.params.centreId, event.params.sittingId)
	);
	const bars = gradeDistribution(r.rows);
	return {
		sitting: {
			id: r.sitting.id,
			paperCode: r.sitting.paperCode,
			paperTitle: r.sitting.paperTitle,
			scheduledAt: r.sitting.scheduledAt,
			room: r.sitting.room
		},
		releasedAt: r.releasedAt,
		rows: r.rows.map((x) => ({
			attemptId: x.attemptId,
			candidateNumber: x.candidateNumber,
			name: `${x.lastName}, ${x.firstName}`,
			outcome: outcomeWords(x),
			total: x.total,
			codes: x.codes.map((c) => ({ code: c, name: CODE_NAMES[c as PerformanceCode] ?? c }))
		})),
		bars,
		summary: distributionSummary(bars)
	};
};
