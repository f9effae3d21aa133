import { redirect } from '@sveltejs/kit';

import { asScriptNumber } from '$lib/domain/marking';
import { progressText } from '$lib/domain/marking-work';
import { listPapers } from '$lib/server/bank/papers';
import { requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { markerQueue, nextScript } from '$lib/server/marking/queue';

import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	const queue = await markerQueue(event.locals.db, user.id);
	return {
		// A script number just finished, from "Save and next" on its last item (shown as a status line).
		marked: asScriptNumber(event.url.searchParams.get('marked')),
		queue: queue.map((p) => ({
			paperId: p.paperId,
			code: p.code,
			title: p.title,
			closed: p.gate.open ? null : (p.gate.reason ?? 'Live marking is closed to you for now.'),
			scripts: p.scripts,
			markedScripts: p.markedScripts,
			progress: progressText(p.markedScripts, p.scripts.length)
		})),
		papers: (await listPapers(event.locals.db)).map((p) => ({
			code: p.code,
			title: p.title,
			unit: p.unit,
			level: p.level,
			kind: p.kind,
			version: p.version,
			totalMarks: p.totalMarks
		}))
	};
};

export const actions: Actions = {
	/**
	 * "Start marking" / "Continue": the next script with unmarked work on a paper. The marking screen
	 * also posts here after a script's last item ("Save and next", with `marked` naming the script
	 * just finished): straight on to the next script, or back to this page when none is left.
	 */
	next: async (event) => {
		const user = requireRole(event, ['marker', 'moderator']);
		const data = await event.request.formData();
		const marked = asScriptNumber(data.get('marked')?.toString() ?? null);
		let next: Awaited<ReturnType<typeof nextScript>>;
		try {
			next = await nextScript(event.locals.db, {
				markerId: user.id,
				paperId: String(data.get('paper_id') ?? '')
			});
		} catch (err) {
			return failFromError(err);
		}
		const { scriptId } = next;
		if (!scriptId) {
			// Back from a finished script: the marking page says it is marked, and why nothing follows.
			if (marked) redirect(303, `/mark?marked=${marked}`);
			return {
				ok: false,
				message: next.gate.open
					? 'Every script allocated to you on this paper is marked.'
					: (next.gate.reason ?? 'Live marking is closed to you for now.')
			};
		}
		redirect(303, `/mark/scripts/${scriptId}${marked ? `?marked=${marked}` : ''}`);
	}
};
