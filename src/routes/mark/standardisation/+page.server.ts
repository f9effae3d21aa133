import { ValidationError } from '$lib/server/errors';
import { requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { paperOptions } from '$lib/server/quality/quality';
import { seedFeedback } from '$lib/server/quality/seeds';
import { startStandardisation } from '$lib/server/quality/standardisation';
import { countSeeds, currentStanding, gateFor } from '$lib/server/quality/standing';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	const db = event.locals.db;
	const papers = [];
	for (const p of await paperOptions(db)) {
		if (
			(await countSeeds(db, p.id, 'qualification')) === 0 &&
			(await currentStanding(db, user.id, p.id)).standing === 'standardising'
		)
			continue;
		const standing = await currentStanding(db, user.id, p.id);
		const gate = await gateFor(db, user.id, p.id);
		const feedback = await seedFeedback(db, user.id, p.id);
		papers.push({
			...p,
			standing: standing.standing,
			gate,
			feedback: feedback?.map((f) => ({ ...f, judgedAt: f.judgedAt.toISOString() })) ?? null
		});
	}
	return { papers };
};

export const actions: Actions = {
	start: async (event) => {
		const user = requireRole(event, ['marker', 'moderator']);
		const paperId = String((await event.request.formData()).get('paper') ?? '');
		const papers = await paperOptions(event.locals.db);
		if (!papers.some((p) => p.id === paperId))
			return failFromError(new ValidationError('Choose a paper'));
		try {
			const n = await startStandardisation(event.locals.db, {
				markerId: user.id,
				paperId,
				now: new Date()
			});
			return { started: n };
		} catch (err) {
			return failFromError(err);
		}
	}
};
