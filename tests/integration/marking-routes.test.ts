import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StaffRole } from '../../src/lib/domain/roles.js';
import type { SessionUser } from '../../src/lib/server/auth/sessions.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fakeEvent, outcome, type FakeRequest } from '../helpers/fake-event.js';
import { makeStaff } from '../helpers/fixtures.js';
import { makeScripts } from '../helpers/marking-fixture.js';
import { paperIdOf, qualifyMarker } from '../helpers/quality-fixture.js';

/*
 * The marking routes as SvelteKit calls them, on a real database: everything a marker and a
 * moderator can load or be answered (page data, form results and errors, redirects, the marks
 * endpoint's JSON) is scanned for the candidate's name and number, the centre, the room and the
 * attempt; and a marker asking for another marker's script gets 404 everywhere, writing nothing.
 */
let h: TestDatabase;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const markPage = () => import('../../src/routes/mark/+page.server.js');
const scriptPage = () => import('../../src/routes/mark/scripts/[scriptId]/+page.server.js');
const marksEndpoint = () => import('../../src/routes/mark/scripts/[scriptId]/marks/+server.js');
const allocatePage = () => import('../../src/routes/mark/allocate/+page.server.js');
const allocateDetail = () =>
	import('../../src/routes/mark/allocate/[paperVersionId]/+page.server.js');
const gridPage = () => import('../../src/routes/mark/grids/[code]/+page.server.js');

async function user(role: StaffRole): Promise<SessionUser> {
	const s = await makeStaff(h.db, role);
	return { id: s.id, email: s.email, displayName: role, grants: [{ role, centreId: null }] };
}

/** Everything an outcome carries, as text: a load's data, a form's failure, a redirect's address, an error's message, a response's body. */
async function textOf(o: { result?: unknown; thrown?: unknown }): Promise<string> {
	const parts: string[] = [];
	const add = async (v: unknown) => {
		if (v instanceof Response) parts.push(String(v.status), await v.clone().text());
		else if (isRedirect(v)) parts.push(v.location);
		else if (isHttpError(v)) parts.push(String(v.status), JSON.stringify(v.body));
		else if (isActionFailure(v)) parts.push(String(v.status), JSON.stringify(v.data));
		else if (v instanceof Error) parts.push(v.message);
		else parts.push(JSON.stringify(v) ?? '');
	};
	if ('result' in o) await add(o.result);
	if ('thrown' in o) await add(o.thrown);
	return parts.join('\n');
}

describe('marking routes', () => {
	it('nothing a marker or moderator loads or is answered identifies the candidate, the centre, the room or the attempt', async () => {
		// Marked below on items 1 and 2 (a blank answer scores 0, so those are written on both).
		const f = await makeScripts(h.db, [
			{ '1': 'Members of the public', '2': 'Listen', '3.a': 'Trust' },
			{ '1': 'Colleagues', '2': 'Ask' }
		]);
		const [moderator, marker] = [await user('moderator'), await user('marker')];
		await qualifyMarker(h.db, marker.id, await paperIdOf(h.db, f.paperVersionId));
		const seen: string[] = [];
		const call = async <T>(run: () => T | Promise<T>) => {
			const o = await outcome(run);
			seen.push(await textOf(o));
			return o;
		};
		const ev = (u: SessionUser, r: FakeRequest) => fakeEvent<never>(h.db, { ...r, user: u });
		const pv = f.paperVersionId;

		// The moderator allocates (and tries what is refused).
		const overview = await call(async () =>
			(await allocatePage()).load(
				ev(moderator, { path: '/mark/allocate', routeId: '/mark/allocate' })
			)
		);
		expect(JSON.stringify(overview.result)).toContain('8992-111-T');
		const detailRoute = {
			routeId: '/mark/allocate/[paperVersionId]',
			params: { paperVersionId: pv }
		};
		await call(async () =>
			(await allocateDetail()).load(ev(moderator, { path: `/mark/allocate/${pv}`, ...detailRoute }))
		);
		const actions = (await allocateDetail()).actions;
		const allocated = await call(() =>
			actions.allocate!(
				ev(moderator, {
					path: `/mark/allocate/${pv}?/allocate`,
					...detailRoute,
					form: { marker_ids: marker.id, mode: 'whole' }
				})
			)
		);
		expect(allocated.result).toMatchObject({
			ok: true,
			done: expect.stringMatching(/^Allocated 2 scripts/)
		});
		await call(() =>
			actions.allocate!(
				ev(moderator, {
					path: `/mark/allocate/${pv}?/allocate`,
					...detailRoute,
					form: { marker_ids: marker.id, mode: 'items' }
				})
			)
		);
		await call(() =>
			actions.reallocate!(
				ev(moderator, {
					path: `/mark/allocate/${pv}?/reallocate`,
					...detailRoute,
					form: { script_number: 'S-NONE-NONE', to_marker_id: '' }
				})
			)
		);
		await call(() =>
			actions.reallocate!(
				ev(moderator, {
					path: `/mark/allocate/${pv}?/reallocate`,
					...detailRoute,
					form: { script_number: f.scripts[1]!.script_number, to_marker_id: marker.id }
				})
			)
		);
		await call(async () =>
			(await markPage()).load(ev(moderator, { path: '/mark', routeId: '/mark' }))
		);

		// The marker: queue, next script, the script, saves by form and by JSON, refusals, the grid.
		const queue = await call(async () =>
			(await markPage()).load(ev(marker, { path: '/mark', routeId: '/mark' }))
		);
		const paperId = (queue.result as { queue: { paperId: string }[] }).queue[0]!.paperId;
		const next = await call(async () =>
			(await markPage()).actions.next!(
				ev(marker, { path: '/mark?/next', routeId: '/mark', form: { paper_id: paperId } })
			)
		);
		expect(isRedirect(next.thrown)).toBe(true);
		for (const s of f.scripts) {
			const route = { routeId: '/mark/scripts/[scriptId]', params: { scriptId: s.id } };
			const page = await call(async () =>
				(await scriptPage()).load(
					ev(marker, { path: `/mark/scripts/${s.id}`, ...route, isDataRequest: true })
				)
			);
			const items = (page.result as { script: { items: { key: string; allocationId: string }[] } })
				.script.items;
			expect(items.map((i) => i.key)).toEqual(['1', '2', '3.a', '3.b']);
			await call(async () =>
				(await scriptPage()).actions.save!(
					ev(marker, {
						path: `/mark/scripts/${s.id}?/save`,
						...route,
						form: { item: '1', mark: '99' }
					})
				)
			);
			await call(async () =>
				(await scriptPage()).actions.save!(
					ev(marker, {
						path: `/mark/scripts/${s.id}?/save`,
						...route,
						form: { item: '1', mark: '2', fk: 'on' }
					})
				)
			);
			const endpoint = { routeId: '/mark/scripts/[scriptId]/marks', params: { scriptId: s.id } };
			for (const body of [
				{ allocationId: items[1]!.allocationId, award: { kind: 'mark', mark: 1 }, comment: 'Fine' },
				{ allocationId: items[1]!.allocationId, award: { kind: 'mark', mark: -1 } },
				{
					allocationId: items[2]!.allocationId,
					award: { kind: 'points', awarded: { p1: 1, p9: 1 } }
				}
			]) {
				await call(async () =>
					(await marksEndpoint()).POST(
						ev(marker, { path: `/mark/scripts/${s.id}/marks`, ...endpoint, json: body })
					)
				);
			}
		}
		await call(async () =>
			(await gridPage()).load(
				ev(marker, {
					path: '/mark/grids/8992-111-T',
					routeId: '/mark/grids/[code]',
					params: { code: '8992-111-T' }
				})
			)
		);

		const sitting = await h.db
			.selectFrom('sitting')
			.select(['id', 'room'])
			.where('id', '=', f.sitting.id)
			.executeTakeFirstOrThrow();
		const text = seen.join('\n');
		expect(seen.length).toBeGreaterThan(15);
		const forbidden = [
			f.centre.name,
			sitting.room,
			sitting.id,
			...f.candidates.flatMap((c) => [
				c.id,
				c.first_name,
				`${c.first_name} ${c.last_name}`,
				f.attemptOf(c.id)
			])
		];
		for (const s of forbidden)
			expect(text, `"${s}" was shown to a marker or moderator`).not.toContain(s);
		// Numbers as whole words, outside the uuids (where any four hex digits may stand).
		const withoutUuids = text.replace(
			/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
			'<uuid>'
		);
		for (const n of [f.centre.number, ...f.candidates.map((c) => c.candidate_number)]) {
			expect(withoutUuids, `number ${n} was shown to a marker or moderator`).not.toMatch(
				new RegExp(`\\b${n}\\b`)
			);
		}
		// The saves went through (the scan saw real answers, not only refusals).
		expect(text).toContain('Members of the public');
		expect(
			await h.db.selectFrom('mark').select('id').where('marker_id', '=', marker.id).execute()
		).toHaveLength(4);
	});

	it('a marker asking for a script that is not theirs gets 404 from the page, its data, the form and the JSON, and nothing is written', async () => {
		const f = await makeScripts(h.db, [{ '1': 'An answer' }]);
		const [moderator, owner, other] = [
			await user('moderator'),
			await user('marker'),
			await user('marker')
		];
		const pv = f.paperVersionId;
		// The owner has qualified on the paper (recordMark keeps live marking's gate).
		await qualifyMarker(h.db, owner.id, await paperIdOf(h.db, pv));
		const detail = { routeId: '/mark/allocate/[paperVersionId]', params: { paperVersionId: pv } };
		await (
			await allocateDetail()
		).actions.allocate!(
			fakeEvent<never>(h.db, {
				path: `/mark/allocate/${pv}?/allocate`,
				...detail,
				user: moderator,
				form: { marker_ids: owner.id }
			})
		);
		const s = f.scripts[0]!;
		const alloc = await h.db
			.selectFrom('allocation')
			.select('id')
			.where('script_id', '=', s.id)
			.where('item_key', '=', '1')
			.where('withdrawn_at', 'is', null)
			.executeTakeFirstOrThrow();
		const route = { routeId: '/mark/scripts/[scriptId]', params: { scriptId: s.id }, user: other };
		const marksBefore = (await h.db.selectFrom('mark').select('id').execute()).length;

		for (const isDataRequest of [false, true]) {
			const page = await outcome(async () =>
				(await scriptPage()).load(
					fakeEvent<never>(h.db, { path: `/mark/scripts/${s.id}`, ...route, isDataRequest })
				)
			);
			expect(isHttpError(page.thrown) && page.thrown.status).toBe(404);
		}
		const saved = await outcome(async () =>
			(await scriptPage()).actions.save!(
				fakeEvent<never>(h.db, {
					path: `/mark/scripts/${s.id}?/save`,
					...route,
					form: { item: '1', mark: '1' }
				})
			)
		);
		expect(isActionFailure(saved.result) && saved.result.status).toBe(404);
		const json = (await (
			await marksEndpoint()
		).POST(
			fakeEvent<never>(h.db, {
				path: `/mark/scripts/${s.id}/marks`,
				...route,
				routeId: '/mark/scripts/[scriptId]/marks',
				json: { allocationId: alloc.id, award: { kind: 'mark', mark: 1 } }
			})
		)) as Response;
		expect(json.status).toBe(404);
		expect(await json.json()).toMatchObject({ error: 'No such allocation' });
		// A marker cannot allocate: the allocation page is for moderators and the awarding administrator.
		const refused = await outcome(async () =>
			(await allocatePage()).load(
				fakeEvent<never>(h.db, { path: '/mark/allocate', routeId: '/mark/allocate', user: other })
			)
		);
		expect(isHttpError(refused.thrown) && refused.thrown.status).toBe(403);
		expect((await h.db.selectFrom('mark').select('id').execute()).length).toBe(marksBefore);

		// The owner's own save by JSON is answered with the mark and the script's total.
		const ok = (await (
			await marksEndpoint()
		).POST(
			fakeEvent<never>(h.db, {
				path: `/mark/scripts/${s.id}/marks`,
				routeId: '/mark/scripts/[scriptId]/marks',
				params: { scriptId: s.id },
				user: owner,
				json: { allocationId: alloc.id, award: { kind: 'mark', mark: 4 }, fk: true }
			})
		)) as Response;
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({
			itemKey: '1',
			mark: 4,
			total: 4,
			markedItems: 1,
			items: 4,
			scriptComplete: false
		});
	});
});
