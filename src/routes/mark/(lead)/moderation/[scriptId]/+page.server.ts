import { error } from '@sveltejs/kit';

import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { decideCase, getCase } from '$lib/server/quality/moderation';
import { isUuid } from '$lib/server/validation';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	if (!isUuid(params.scriptId)) error(404, 'Not found');
	const c = await orError(getCase(locals.db, params.scriptId));
	const at = <T extends { at: Date }>(m: T | null) => (m ? { ...m, at: m.at.toISOString() } : null);
	return {
		case: {
			...c,
			items: c.items.map((i) => ({ ...i, first: at(i.first), second: at(i.second) })),
			history: c.history.map((h) => ({ ...h, at: h.at.toISOString() }))
		}
	};
};

export const actions: Actions = {
	decide: async (event) => {
		const user = requireRole(event, ['moderator']);
		const data = await event.request.formData();
		const marks: Record<string, string> = {};
		for (const [k, v] of data) if (k.startsWith('mark-')) marks[k.slice(5)] = String(v);
		const comment = String(data.get('comment') ?? '');
		try {
			await decideCase(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				event.params.scriptId,
				{ marks, comment },
				new Date()
			);
			return { decided: true };
		} catch (err) {
			return failFromError(err, {
				...Object.fromEntries(Object.entries(marks).map(([k, v]) => [`mark-${k}`, v])),
				comment
			});
		}
	}
};
