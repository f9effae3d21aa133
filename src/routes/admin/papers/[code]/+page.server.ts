import { areasForLevel, type Level } from '$lib/domain/codes';
import { paperCoverage } from '$lib/domain/paper';
import { updateBoundaries } from '$lib/server/awarding/boundary-changes';
import { getPaperVersion, listVersions } from '$lib/server/bank/papers';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const v = await orError(getPaperVersion(locals.db, params.code));
	return {
		code: v.code,
		title: v.paper.title,
		unit: v.unit.unit,
		unitTitle: v.unit.title,
		level: v.unit.level,
		kind: v.paper.kind,
		duration: v.paper.duration_minutes,
		reading: v.paper.reading_minutes,
		version: v.version,
		versionId: v.versionId,
		contentHash: v.contentHash,
		totalMarks: v.totalMarks,
		pass: v.pass,
		firstClass: v.firstClass,
		locked: v.locked,
		coverage: paperCoverage(v.paper, v.unit),
		areas: areasForLevel(v.unit.level as Level),
		versions: (await listVersions(locals.db, params.code)).map((x) => ({
			...x,
			imported_at: x.imported_at.toISOString(),
			locked: !!x.boundaries_locked_at
		}))
	};
};

export const actions: Actions = {
	boundaries: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), ['pass', 'first_class']);
		const v = await orError(getPaperVersion(event.locals.db, event.params.code));
		try {
			await updateBoundaries(event.locals.db, actorOf(event), v.versionId, values);
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
