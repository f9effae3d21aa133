import type { PageServerLoad } from './$types';
import { listCases } from '$lib/server/quality/moderation';

export const load: PageServerLoad = async ({ locals }) => ({
	cases: (await listCases(locals.db)).map((c) => ({
		...c,
		referredAt: c.referredAt?.toISOString() ?? null,
		resolvedAt: c.resolvedAt?.toISOString() ?? null
	}))
});
