import { distributionSummary, histogram, histogramChart } from '$lib/domain/distribution';
import { gradeCounts } from '$lib/domain/results';
import {
	approveResults,
	awardingOverview,
	previewBoundaries,
	releaseResults
} from '$lib/server/awarding/approval';
import { updateBoundaries } from '$lib/server/awarding/boundary-changes';
import { getPaperVersion } from '$lib/server/bank/papers';
import { ValidationError } from '$lib/server/errors';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';

import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The paper version the page is about: `?version=N`, or the current one. */
async function versionOf(event: Pick<RequestEvent, 'locals' | 'params' | 'url'>) {
	const raw = event.url.searchParams.get('version');
	return orError(
		getPaperVersion(event.locals.db, event.params.code, raw === null ? undefined : Number(raw))
	);
}

export const load: PageServerLoad = async (event) => {
	requireRole(event, ['awarding_admin']);
	const v = await versionOf(event);
	const o = await orError(awardingOverview(event.locals.db, v.versionId));
	const h = histogram(o.totals, o.totalMarks);
	return {
		code: v.code,
		title: v.paper.title,
		version: v.version,
		totalMarks: o.totalMarks,
		boundaries: o.boundaries,
		locked: o.locked,
		state: o.state,
		rules: o.rules,
		rulesOverridden: o.rulesOverridden,
		sittings: o.sittings,
		bins: h.bins.filter((b) => b.count > 0),
		candidates: h.candidates,
		chart: histogramChart(h, o.boundaries),
		summary: distributionSummary(o.totals, o.totalMarks, o.boundaries),
		grades: gradeCounts(o.totals, o.boundaries)
	};
};

/** Approving and releasing are ticked to confirm, so a stray click does neither (works without JavaScript). */
function confirmed(data: FormData, message: string): void {
	if (data.get('confirm') !== 'yes')
		throw new ValidationError(message, [{ field: 'confirm', message }]);
}

export const actions: Actions = {
	preview: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = {
			...formValues(await event.request.formData(), ['pass', 'first_class']),
			step: 'boundaries'
		};
		try {
			const v = await versionOf(event);
			return { preview: await previewBoundaries(event.locals.db, v.versionId, values), values };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	boundaries: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = {
			...formValues(await event.request.formData(), ['pass', 'first_class']),
			step: 'boundaries'
		};
		try {
			const v = await versionOf(event);
			await updateBoundaries(event.locals.db, actorOf(event), v.versionId, values);
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	approve: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = { step: 'approve' };
		try {
			confirmed(
				await event.request.formData(),
				'Tick the box to confirm you are approving these results and locking the boundaries'
			);
			const v = await versionOf(event);
			return { approved: await approveResults(event.locals.db, actorOf(event), v.versionId) };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	release: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = { step: 'release' };
		try {
			confirmed(
				await event.request.formData(),
				'Tick the box to confirm you are releasing these results to centres and candidates'
			);
			const v = await versionOf(event);
			return { released: await releaseResults(event.locals.db, actorOf(event), v.versionId) };
		} catch (err) {
			return failFromError(err, values);
		}
	}
};
