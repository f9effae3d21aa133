import { redirect } from '@sveltejs/kit';

import { asScriptNumber } from '$lib/domain/marking';
import { awardFromForm, nextUnmarkedItem, typedMark } from '$lib/domain/marking-work';
import { ValidationError } from '$lib/server/errors';
import { requireRole } from '$lib/server/http/auth';
import { failFromError, orError } from '$lib/server/http/responses';
import { recordMark } from '$lib/server/marking/marks';
import { nextScript } from '$lib/server/marking/queue';
import { scriptForMarker } from '$lib/server/marking/script-view';

import type { Actions, PageServerLoad } from './$types';

/*
 * The marking screen: one item of a script at a time (?item=3.a), the question, the grid and the
 * candidate's answer side by side. Marks are saved by the page's script as the marker works (the
 * JSON endpoint beside this page) and, without JavaScript, by the `save` action.
 */

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, ['marker', 'moderator']);
	const script = await orError(scriptForMarker(event.locals.db, user.id, event.params.scriptId));
	const asked = event.url.searchParams.get('item');
	const current =
		script.items.find((i) => i.key === asked) ??
		script.items.find((i) => !i.own) ??
		script.items[0] ??
		null;
	// The script just finished when "Save and next" brought the marker here from its last item.
	return {
		script,
		currentKey: current?.key ?? null,
		marked: asScriptNumber(event.url.searchParams.get('marked'))
	};
};

export const actions: Actions = {
	/**
	 * "Save and next" without JavaScript: records the mark, then the next unmarked item; after the
	 * script's last item, the next script of the paper (or the queue when none is left).
	 */
	save: async (event) => {
		const user = requireRole(event, ['marker', 'moderator']);
		const data = await event.request.formData();
		const itemKey = String(data.get('item') ?? '');
		const values = {
			item: itemKey,
			mark: String(data.get('mark') ?? ''),
			comment: String(data.get('comment') ?? '')
		};
		let next: string;
		try {
			const script = await scriptForMarker(event.locals.db, user.id, event.params.scriptId);
			const item = script.items.find((i) => i.key === itemKey);
			if (!item) throw new ValidationError('Choose a question of this script');
			const points: Record<string, number> = {};
			for (const p of item.grid.points) {
				const v = Number(data.get(`point_${p.id}`) ?? 0);
				if (v) points[p.id] = v;
			}
			const level = data.get('level') ? Number(data.get('level')) : null;
			const award = awardFromForm({
				mode: item.grid.mode,
				mark: typedMark(values.mark),
				level,
				points
			});
			if (!award)
				throw new ValidationError(
					`Question ${item.label}: type a mark, tick points or choose a level`,
					[{ field: 'mark', message: 'Give a mark' }]
				);
			const r = await recordMark(event.locals.db, {
				markerId: user.id,
				allocationId: item.allocationId,
				scriptId: script.scriptId,
				award,
				fk: data.get('fk') === 'on',
				comment: values.comment
			});
			const marked = new Set(script.items.filter((i) => i.own).map((i) => i.key)).add(r.itemKey);
			const after = nextUnmarkedItem(
				script.items.map((i) => i.key),
				r.itemKey,
				marked
			);
			if (after) next = `/mark/scripts/${script.scriptId}?item=${encodeURIComponent(after)}`;
			else {
				const following = await nextScript(event.locals.db, {
					markerId: user.id,
					paperId: script.paperId
				});
				next = following.scriptId
					? `/mark/scripts/${following.scriptId}?marked=${script.scriptNumber}`
					: `/mark?marked=${script.scriptNumber}`;
			}
		} catch (err) {
			return failFromError(err, values);
		}
		redirect(303, next);
	}
};
