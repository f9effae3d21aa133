import { listCases } from '$lib/server/quality/moderation';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	cases: (await listCases(locals.db)).map((c) => ({
		...c,
		referredAt: c.referredAt?.toISOString() ?? null,
		resolvedAt: c.resolvedAt?.toISOString() ?? null
	}))
});
