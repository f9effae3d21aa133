import { redirect } from '@sveltejs/kit';

import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { scriptForSeed, scriptPaper } from '$lib/server/quality/quality';
import { createSeed } from '$lib/server/quality/seeds';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => ({
	script: await orError(scriptForSeed(locals.db, url.searchParams.get('script') ?? ''))
});

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, ['moderator']);
		const data = await event.request.formData();
		const marks: Record<string, string> = {};
		for (const [k, v] of data) if (k.startsWith('mark-')) marks[k.slice(5)] = String(v);
		const input = {
			scriptNumber: event.url.searchParams.get('script') ?? '',
			purpose: String(data.get('purpose') ?? ''),
			rationale: String(data.get('rationale') ?? ''),
			marks
		};
		let code: string;
		try {
			const seed = await createSeed(
				event.locals.db,
				{ ...actorOf(event), userId: user.id },
				input,
				new Date()
			);
			code = (await scriptPaper(event.locals.db, seed.scriptId)).paperCode;
		} catch (err) {
			return failFromError(err, {
				purpose: input.purpose,
				rationale: input.rationale,
				...Object.fromEntries(Object.entries(marks).map(([k, v]) => [`mark-${k}`, v]))
			});
		}
		redirect(303, `/mark/seeds?paper=${encodeURIComponent(code)}`);
	}
};
