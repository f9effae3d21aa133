import { questionPaperOf } from '$lib/domain/question-paper';
import { getPaperVersion } from '$lib/server/bank/papers';
import { orError } from '$lib/server/http/responses';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const v = await orError(getPaperVersion(locals.db, params.code));
	return {
		code: v.code,
		version: v.version,
		paper: questionPaperOf(v.paper),
		totalMarks: v.totalMarks
	};
};
