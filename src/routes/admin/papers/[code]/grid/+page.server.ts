import type { PageServerLoad } from './$types';
import { getPaperVersion } from '$lib/server/bank/papers';
import { paperItems } from '$lib/domain/paper';
import { orError } from '$lib/server/routes';

export const load: PageServerLoad = async ({ locals, params }) => {
	const v = await orError(getPaperVersion(locals.db, params.code));
	const criteria = new Map(v.unit.outcomes.flatMap((o) => o.criteria.map((c) => [c.id, c.text] as const)));
	return {
		code: v.code,
		title: v.paper.title,
		items: paperItems(v.paper).map((i) => ({ ...i, criteriaText: i.criteria.map((c) => `${c} ${criteria.get(c) ?? ''}`) }))
	};
};
