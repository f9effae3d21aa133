import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { listPapers } from '$lib/server/bank/papers';
import { requireRole } from '$lib/server/http/auth';
import { failFromError } from '$lib/server/http/responses';
import { markerQueue, nextScript } from '$lib/server/marking/queue';
import { progressText } from '$lib/domain/marking-work';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	const queue = await markerQueue(event.locals.db, user.id);
	const done = event.url.searchParams.get('marked');
	return {
		// A script number just finished, from "Save and next" on its last item (shown as a status line).
		marked: done && /^S-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(done) ? done : null,
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
	/** "Start marking" / "Continue": the next script with unmarked work on a paper. */
	next: async (event) => {
		const user = requireRole(event, ['marker', 'moderator']);
		const data = await event.request.formData();
		let scriptId: string | null;
		try {
			const next = await nextScript(event.locals.db, { markerId: user.id, paperId: String(data.get('paper_id') ?? '') });
			if (!next.scriptId) {
				return {
					ok: false,
					message: next.gate.open ? 'Every script allocated to you on this paper is marked.' : (next.gate.reason ?? 'Live marking is closed to you for now.')
				};
			}
			scriptId = next.scriptId;
		} catch (err) {
			return failFromError(err);
		}
		redirect(303, `/mark/scripts/${scriptId}`);
	}
};
