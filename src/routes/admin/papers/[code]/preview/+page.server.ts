import type { PageServerLoad } from './$types';
import { getPaperVersion } from '$lib/server/bank/papers';
import { orError } from '$lib/server/http/responses';
import { questionPaperOf } from '$lib/domain/question-paper';

export const load: PageServerLoad = async ({ locals, params }) => {
	const v = await orError(getPaperVersion(locals.db, params.code));
	return { code: v.code, version: v.version, paper: questionPaperOf(v.paper), totalMarks: v.totalMarks };
};
