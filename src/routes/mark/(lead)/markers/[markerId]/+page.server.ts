import { error } from '@sveltejs/kit';

import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import {
	recentScripts,
	reinstateMarker,
	sendBackForRemarking
} from '$lib/server/quality/marker-review';
import { markerPerformance } from '$lib/server/quality/performance';
import { choosePaper } from '$lib/server/quality/quality';
import { isUuid } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

async function context(event: { locals: App.Locals; params: { markerId: string }; url: URL }) {
	if (!isUuid(event.params.markerId)) error(404, 'Not found');
	const { paper } = await orError(
		choosePaper(event.locals.db, event.url.searchParams.get('paper'))
	);
	if (!paper) error(404, 'Not found');
	const marker = (await markerPerformance(event.locals.db, paper.id)).find(
		(m) => m.markerId === event.params.markerId
	);
	if (!marker) error(404, 'Not found');
	return { paper, marker };
}

export const load: PageServerLoad = async (event) => {
	const { paper, marker } = await context(event);
	const recent = await recentScripts(event.locals.db, marker.markerId, paper.id);
	return {
		paper,
		marker,
		recent: recent.map((r) => ({ ...r, markedAt: new Date(r.markedAt as Date).toISOString() }))
	};
};

export const actions: Actions = {
	reinstate: async (event) => {
		const user = requireRole(event, ['moderator']);
		const { paper, marker } = await context(event);
		const note = String((await event.request.formData()).get('note') ?? '');
		try {
			await reinstateMarker(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				{ markerId: marker.markerId, paperId: paper.id, note, now: new Date() }
			);
			return { reinstated: true };
		} catch (err) {
			return failFromError(err, { note });
		}
	},
	sendBack: async (event) => {
		const user = requireRole(event, ['moderator']);
		const { paper, marker } = await context(event);
		const scriptIds = (await event.request.formData()).getAll('script').map(String).filter(isUuid);
		try {
			const sent = await sendBackForRemarking(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				{ markerId: marker.markerId, paperId: paper.id, scriptIds, now: new Date() }
			);
			return { sent };
		} catch (err) {
			return failFromError(err);
		}
	}
};
