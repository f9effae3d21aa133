import type { Kysely } from 'kysely';
import { z } from 'zod';

import { shareEvenly } from '../../domain/marking-work.js';
import { paperItems, type Item } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { getPaperContent } from '../bank/papers.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse, uuidSchema } from '../validation.js';

/*
 * Who first-marks what (DESIGN.md section 6): the awarding administrator or a moderator shares a
 * paper's scripts among markers, as whole scripts (one allocation row per item, all to the same
 * marker) or by question (item marking: chosen items to chosen markers). Moving work is in
 * reallocation.ts; the allocation pages' views in allocation-view.ts.
 *
 * Only the partial unique index allocation_active_key decides whether an item of a script is taken
 * (one active allocation per item and purpose): inserts skip what is already taken, so two people
 * sharing the same scripts at once cannot give one item to two markers.
 */

/** Scripts of a paper version that stand (the attempt was not voided later): markers' live work. */
function standingScripts(db: Db) {
	return db
		.selectFrom('script as sc')
		.innerJoin('attempt as at', 'at.id', 'sc.attempt_id')
		.where('sc.kind', '=', 'live')
		.where('at.state', '=', 'submitted');
}

export async function itemsOf(db: Db, paperVersionId: string): Promise<Item[]> {
	return paperItems(await getPaperContent(db, paperVersionId));
}

export interface PaperMarkingCounts {
	paperVersionId: string;
	code: string;
	title: string;
	version: number;
	items: number;
	/** Scripts that stand (voided attempts drop out). */
	scripts: number;
	/** Scripts with at least one item no marker holds. */
	unallocated: number;
	/** Scripts whose every item is allocated, not all of them marked yet. */
	allocated: number;
	/** Scripts whose every item has a first mark. */
	marked: number;
}

/** Per script: how many of its items are allocated for first marking, and how many of those carry a mark. */
export async function scriptWork(db: Db, paperVersionId?: string) {
	const rows = await standingScripts(db)
		.leftJoin('allocation as a', (j) =>
			j
				.onRef('a.script_id', '=', 'sc.id')
				.on('a.purpose', '=', 'first')
				.on('a.withdrawn_at', 'is', null)
		)
		.select((eb) => [
			'sc.id',
			'sc.script_number',
			'sc.paper_version_id',
			eb.fn.count<number>('a.id').as('allocated'),
			eb.fn
				.count<number>('a.id')
				.filterWhere(({ exists, selectFrom }) =>
					exists(selectFrom('mark as m').select('m.id').whereRef('m.allocation_id', '=', 'a.id'))
				)
				.as('marked')
		])
		.$if(paperVersionId !== undefined, (q) => q.where('sc.paper_version_id', '=', paperVersionId!))
		.groupBy(['sc.id', 'sc.script_number', 'sc.paper_version_id'])
		.execute();
	return rows.map((r) => ({ ...r, allocated: Number(r.allocated), marked: Number(r.marked) }));
}

export function classify(
	work: { allocated: number; marked: number },
	items: number
): 'unallocated' | 'allocated' | 'marked' {
	if (work.marked >= items) return 'marked';
	return work.allocated >= items ? 'allocated' : 'unallocated';
}

export interface MarkerOption {
	id: string;
	name: string;
	email: string;
}

/** Accounts that may be given marking: enabled, with the marker role. */
export async function listMarkers(db: Db): Promise<MarkerOption[]> {
	return db
		.selectFrom('app_user as u')
		.innerJoin('membership as m', 'm.user_id', 'u.id')
		.select(['u.id', 'u.display_name as name', 'u.email'])
		.where('m.role', '=', 'marker')
		.where('u.disabled_at', 'is', null)
		.orderBy('u.display_name')
		.orderBy('u.email')
		.execute();
}

/** The given ids as markers, or a form error naming what is not one. */
export async function requireMarkers(db: Db, ids: readonly string[]): Promise<MarkerOption[]> {
	const markers = new Map((await listMarkers(db)).map((m) => [m.id, m]));
	const unknown = ids.filter((id) => !markers.has(id));
	if (unknown.length)
		throw new ValidationError(
			'Choose markers from the list: an account chosen is not an enabled marker',
			[{ field: 'marker_ids', message: 'Not a marker' }]
		);
	return [...new Set(ids)].map((id) => markers.get(id)!);
}

/** The chosen item keys, checked against the paper; none chosen means the whole script. */
export function chooseItems(items: readonly Item[], keys: readonly string[] | undefined): Item[] {
	if (!keys || keys.length === 0) return [...items];
	const byKey = new Map(items.map((i) => [i.key, i]));
	const unknown = keys.filter((k) => !byKey.has(k));
	if (unknown.length)
		throw new ValidationError(`This paper has no question ${unknown.join(', ')}`, [
			{ field: 'item_keys', message: 'Not a question of this paper' }
		]);
	// Paper order, so that every allocation inserts its rows in one order (see allocateScripts).
	return items.filter((i) => keys.includes(i.key));
}

export async function requireVersion(db: Db, paperVersionId: string) {
	const v = isUuid(paperVersionId)
		? await db
				.selectFrom('paper_version as v')
				.innerJoin('paper as p', 'p.id', 'v.paper_id')
				.select(['v.id', 'v.paper_id', 'p.code', 'v.title', 'v.version'])
				.where('v.id', '=', paperVersionId)
				.executeTakeFirst()
		: undefined;
	if (!v) throw new NotFoundError('No such paper version');
	return v;
}

const allocateSchema = z.object({
	paper_version_id: uuidSchema('No such paper version'),
	marker_ids: z
		.array(uuidSchema('Choose markers from the list'))
		.min(1, 'Choose at least one marker'),
	item_keys: z.array(z.string().max(50)).optional(),
	/** How many scripts to share at most (all unallocated ones when absent). */
	// From a form it comes as text ("25"), from the tools as a number.
	limit: z.coerce
		.number<string | number>({ error: 'The number of scripts must be a whole number' })
		.int('The number of scripts must be a whole number')
		.min(1, 'Share at least 1 script')
		.max(100_000)
		.optional()
});
export type AllocateInput = z.input<typeof allocateSchema>;

export interface AllocationResult {
	scripts: number;
	byMarker: { markerId: string; name: string; scripts: number }[];
	items: string[];
}

/**
 * Shares the scripts of a paper version whose chosen items (all items: whole scripts) nobody holds
 * yet among the markers, evenly (shareEvenly, counting what each already holds of this paper).
 * Each script's chosen items go to one marker. Audited. Returns what was allocated.
 */
export async function allocateScripts(
	db: Kysely<Database>,
	actor: Actor,
	input: AllocateInput,
	now = new Date()
): Promise<AllocationResult> {
	const a = parse(allocateSchema, input);
	return db.transaction().execute(async (tx) => {
		const version = await requireVersion(tx, a.paper_version_id);
		const chosen = chooseItems(await itemsOf(tx, version.id), a.item_keys);
		const markers = await requireMarkers(tx, a.marker_ids);
		const chosenKeys = chosen.map((i) => i.key);

		const active = await tx
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.select(['a.script_id', 'a.item_key', 'a.marker_id'])
			.where('sc.paper_version_id', '=', version.id)
			.where('a.purpose', '=', 'first')
			.where('a.withdrawn_at', 'is', null)
			.execute();
		const taken = new Set(active.map((r) => `${r.script_id}:${r.item_key}`));
		const load = new Map<string, number>();
		for (const s of new Set(active.map((r) => `${r.marker_id}:${r.script_id}`))) {
			const m = s.split(':')[0]!;
			load.set(m, (load.get(m) ?? 0) + 1);
		}
		const scripts = await standingScripts(tx)
			.select(['sc.id'])
			.where('sc.paper_version_id', '=', version.id)
			.orderBy('sc.script_number')
			.execute();
		let open = scripts.filter((s) => chosenKeys.some((k) => !taken.has(`${s.id}:${k}`)));
		if (a.limit !== undefined) open = open.slice(0, a.limit);

		const shares = shareEvenly(
			open,
			markers.map((m) => m.id),
			load
		);
		const markerOf = new Map<string, string>();
		for (const [markerId, list] of shares) for (const s of list) markerOf.set(s.id, markerId);
		// One statement, rows in one order (script id, then paper order): two allocations running at
		// once wait for each other row by row in the same order, and the index gives each item to one.
		const rows = [...markerOf.keys()].sort().flatMap((scriptId) =>
			chosenKeys
				.filter((k) => !taken.has(`${scriptId}:${k}`))
				.map((k) => ({
					script_id: scriptId,
					item_key: k,
					marker_id: markerOf.get(scriptId)!,
					purpose: 'first' as const,
					allocated_by: actor.userId,
					allocated_at: now
				}))
		);
		const inserted = rows.length
			? await tx
					.insertInto('allocation')
					.values(rows)
					.onConflict((oc) => oc.doNothing())
					.returning(['script_id', 'marker_id'])
					.execute()
			: [];
		const got = new Map<string, Set<string>>();
		for (const r of inserted)
			got.set(r.marker_id, (got.get(r.marker_id) ?? new Set()).add(r.script_id));
		const result: AllocationResult = {
			scripts: new Set(inserted.map((r) => r.script_id)).size,
			byMarker: markers.map((m) => ({
				markerId: m.id,
				name: m.name,
				scripts: got.get(m.id)?.size ?? 0
			})),
			items: chosenKeys
		};
		if (result.scripts > 0) {
			await writeAudit(tx, actor, {
				action: 'marking.allocate',
				subjectType: 'paper_version',
				subjectId: version.id,
				details: {
					paper: `${version.code} v${version.version}`,
					items: a.item_keys?.length ? chosenKeys : 'whole scripts',
					scripts: result.scripts,
					markers: markers.map((m) => ({ email: m.email, scripts: got.get(m.id)?.size ?? 0 }))
				}
			});
		}
		return result;
	});
}
