import type { RequestEvent } from '@sveltejs/kit';

import { ValidationError } from '../errors.js';
import { allocationView, markingOverview } from '../marking/allocation-view.js';
import { allocateScripts } from '../marking/allocation.js';
import { reallocateScript, withdrawUnstarted } from '../marking/reallocation.js';
import { createReadyScripts } from '../scripts/store.js';
import { actorOf, requireRole } from './auth.js';
import { failFromError, orError } from './responses.js';

/*
 * The allocation pages' loads and actions, shared by the awarding administrator's
 * /admin/marking/… and the moderator's /mark/allocate/… (the same page at two addresses, each in
 * its own area's navigation). Both are for the awarding administrator and moderators only.
 */

const ALLOCATORS = ['awarding_admin', 'moderator'] as const;

type Event = Pick<RequestEvent, 'locals' | 'url' | 'params' | 'request' | 'getClientAddress'>;

export async function overviewLoad(event: Event) {
	requireRole(event, ALLOCATORS);
	// Scripts are made by the sweep as sittings end; making any that are due now means the counts
	// are never a sweep behind.
	await createReadyScripts(event.locals.db, new Date());
	return { papers: await markingOverview(event.locals.db) };
}

export async function detailLoad(event: Event) {
	requireRole(event, ALLOCATORS);
	const paperVersionId = (event.params as { paperVersionId?: string }).paperVersionId ?? '';
	await orError(allocationView(event.locals.db, paperVersionId));
	await createReadyScripts(event.locals.db, new Date(), paperVersionId);
	return { view: await allocationView(event.locals.db, paperVersionId) };
}

/** Runs an allocation action: guard, call, say what was done, or report the error inline. */
function action(run: (event: Event, data: FormData, paperVersionId: string) => Promise<string>) {
	return async (event: Event) => {
		requireRole(event, ALLOCATORS);
		const data = await event.request.formData();
		const paperVersionId = (event.params as { paperVersionId?: string }).paperVersionId ?? '';
		try {
			return { ok: true, done: await run(event, data, paperVersionId) };
		} catch (err) {
			return failFromError(err, { form: String(data.get('form') ?? '') });
		}
	};
}

const scripts = (n: number) => `${n} script${n === 1 ? '' : 's'}`;

export const allocationActions = {
	allocate: action(async (event, data, paperVersionId) => {
		const byQuestion = data.get('mode') === 'items';
		const itemKeys = byQuestion ? data.getAll('item_keys').map(String) : [];
		if (byQuestion && itemKeys.length === 0)
			throw new ValidationError('Choose the questions to allocate', [
				{ field: 'item_keys', message: 'Choose at least one question' }
			]);
		const limit = String(data.get('limit') ?? '').trim();
		const r = await allocateScripts(event.locals.db, actorOf(event), {
			paper_version_id: paperVersionId,
			marker_ids: data.getAll('marker_ids').map(String),
			item_keys: itemKeys,
			...(limit ? { limit } : {})
		});
		if (r.scripts === 0)
			return 'No scripts were waiting for those questions: nothing was allocated.';
		const what = byQuestion
			? `questions ${r.items.join(', ')} of ${scripts(r.scripts)}`
			: scripts(r.scripts);
		return `Allocated ${what}: ${r.byMarker.map((m) => `${m.name} ${m.scripts}`).join(', ')}.`;
	}),
	reallocate: action(async (event, data, paperVersionId) => {
		const r = await reallocateScript(event.locals.db, actorOf(event), {
			paper_version_id: paperVersionId,
			script_number: String(data.get('script_number') ?? ''),
			to_marker_id: String(data.get('to_marker_id') ?? ''),
			item_keys: data.getAll('item_keys').map(String)
		});
		const n = `${r.items} question${r.items === 1 ? '' : 's'}`;
		return r.to
			? `Moved ${n} of script ${r.scriptNumber} to ${r.to.name}.`
			: `Withdrew ${n} of script ${r.scriptNumber}: they are unallocated now.`;
	}),
	withdraw_unstarted: action(async (event, data, paperVersionId) => {
		const r = await withdrawUnstarted(event.locals.db, actorOf(event), {
			paper_version_id: paperVersionId,
			marker_id: String(data.get('marker_id') ?? '')
		});
		return `Withdrew ${scripts(r.withdrawn)} not yet started${r.kept ? `; ${scripts(r.kept)} already started stay with the marker` : ''}.`;
	})
};
