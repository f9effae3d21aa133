import type { PageServerLoad } from './$types';
import { listPapers } from '$lib/server/bank/papers';

export const load: PageServerLoad = async ({ locals }) => ({
	papers: (await listPapers(locals.db)).map((p) => ({
		code: p.code,
		title: p.title,
		unit: p.unit,
		level: p.level,
		kind: p.kind,
		version: p.version,
		totalMarks: p.totalMarks
	}))
});
