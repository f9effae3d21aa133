import { sql, type Kysely } from 'kysely';
import { z } from 'zod';

import { shareEvenly } from '../../domain/marking-work.js';
import { paperItems, type Item } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { getPaperContent } from '../bank/papers.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse, uuidSchema } from '../validation.js';

/*
 * Who first-marks what (DESIGN.md section 6): the awarding administrator or a moderator shares a
 * paper's scripts among markers, as whole scripts (one allocation row per item, all to the same
 * marker) or by question (item marking: chosen items to chosen markers), and moves work that nobody
 * has marked yet. Work with a mark on it is never moved: the mark stays with the marker who gave it.
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

async function itemsOf(db: Db, paperVersionId: string): Promise<Item[]> {
	return paperItems(await getPaperContent(db as Kysely<Database>, paperVersionId));
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
async function scriptWork(db: Db, paperVersionId?: string) {
	const rows = await standingScripts(db)
		.leftJoin('allocation as a', (j) =>
			j
				.onRef('a.script_id', '=', 'sc.id')
				.on('a.purpose', '=', 'first')
				.on('a.withdrawn_at', 'is', null)
		)
		.select([
			'sc.id',
			'sc.script_number',
			'sc.paper_version_id',
			sql<number>`count(a.id)`.as('allocated'),
			sql<number>`count(a.id) filter (where exists (select 1 from mark m where m.allocation_id = a.id))`.as(
				'marked'
			)
		])
		.$if(paperVersionId !== undefined, (q) => q.where('sc.paper_version_id', '=', paperVersionId!))
		.groupBy(['sc.id', 'sc.script_number', 'sc.paper_version_id'])
		.execute();
	return rows.map((r) => ({ ...r, allocated: Number(r.allocated), marked: Number(r.marked) }));
}

function classify(
	work: { allocated: number; marked: number },
	items: number
): 'unallocated' | 'allocated' | 'marked' {
	if (work.marked >= items) return 'marked';
	return work.allocated >= items ? 'allocated' : 'unallocated';
}

/** Every paper version that has scripts, with its counts: the allocation page's overview. */
export async function markingOverview(db: Kysely<Database>): Promise<PaperMarkingCounts[]> {
	const work = await scriptWork(db);
	const versionIds = [...new Set(work.map((w) => w.paper_version_id))];
	if (versionIds.length === 0) return [];
	const versions = await db
		.selectFrom('paper_version as v')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.select(['v.id', 'p.code', 'v.title', 'v.version'])
		.where('v.id', 'in', versionIds)
		.orderBy('p.code')
		.orderBy('v.version')
		.execute();
	const out: PaperMarkingCounts[] = [];
	for (const v of versions) {
		const items = (await itemsOf(db, v.id)).length;
		const counts = { unallocated: 0, allocated: 0, marked: 0 };
		const mine = work.filter((w) => w.paper_version_id === v.id);
		for (const w of mine) counts[classify(w, items)]++;
		out.push({
			paperVersionId: v.id,
			code: v.code,
			title: v.title,
			version: v.version,
			items,
			scripts: mine.length,
			...counts
		});
	}
	return out;
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
async function requireMarkers(db: Db, ids: readonly string[]): Promise<MarkerOption[]> {
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
function chooseItems(items: readonly Item[], keys: readonly string[] | undefined): Item[] {
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

async function requireVersion(db: Db, paperVersionId: string) {
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
	limit: z.coerce
		.number({ error: 'The number of scripts must be a whole number' })
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

const reallocateSchema = z.object({
	paper_version_id: uuidSchema('No such paper version'),
	/** As markers and the allocation page show it ("S-7KQ2-M9XD"); any case, spaces ignored. */
	script_number: z
		.string()
		.transform((v) => v.replace(/\s+/g, '').toUpperCase())
		.pipe(z.string().min(1, 'Enter a script number').max(40, 'No such script')),
	/** Empty: withdraw the work and leave it unallocated. */
	to_marker_id: z
		.string()
		.trim()
		.transform((v) => v || null)
		.refine((v) => v === null || isUuid(v), 'Choose a marker from the list'),
	item_keys: z.array(z.string().max(50)).optional()
});
export type ReallocateInput = z.input<typeof reallocateSchema>;

/** The item label ("3(a)") of an item key, for messages. */
const labelOf = (items: readonly Item[], key: string) =>
	items.find((i) => i.key === key)?.label ?? key;

/**
 * Moves a script's unmarked first-marking work (its chosen items, or all) to another marker, or
 * withdraws it to be allocated again. Refused when any of that work has a mark. The allocations are
 * locked first, so a mark being saved at the same moment either lands before (and the move is
 * refused) or finds its allocation withdrawn (and is refused). Audited.
 */
export async function reallocateScript(
	db: Kysely<Database>,
	actor: Actor,
	input: ReallocateInput,
	now = new Date()
): Promise<{ scriptNumber: string; items: number; to: MarkerOption | null }> {
	const r = parse(reallocateSchema, input);
	return db.transaction().execute(async (tx) => {
		const script = await tx
			.selectFrom('script')
			.select(['id', 'script_number', 'paper_version_id'])
			.where('script_number', '=', r.script_number)
			.where('paper_version_id', '=', r.paper_version_id)
			.where('kind', '=', 'live')
			.executeTakeFirst();
		if (!script)
			throw new ValidationError(`No script ${r.script_number} on this paper`, [
				{ field: 'script_number', message: 'No such script on this paper' }
			]);
		const items = await itemsOf(tx, script.paper_version_id);
		const keys = r.item_keys?.length ? chooseItems(items, r.item_keys).map((i) => i.key) : null;
		const held = await tx
			.selectFrom('allocation')
			.select(['id', 'item_key', 'marker_id'])
			.where('script_id', '=', script.id)
			.where('purpose', '=', 'first')
			.where('withdrawn_at', 'is', null)
			.$if(keys !== null, (q) => q.where('item_key', 'in', keys!))
			.orderBy('id')
			.forUpdate()
			.execute();
		if (held.length === 0)
			throw new ConflictError(`Script ${script.script_number} has no allocated work to move`);
		const marked = await tx
			.selectFrom('mark')
			.select('item_key')
			.distinct()
			.where(
				'allocation_id',
				'in',
				held.map((h) => h.id)
			)
			.execute();
		if (marked.length) {
			const which = items
				.filter((i) => marked.some((m) => m.item_key === i.key))
				.map((i) => i.label);
			throw new ConflictError(
				`Script ${script.script_number} has marks on question ${which.join(', ')}: marked work stays with the marker who marked it. Choose the unmarked questions to move.`
			);
		}
		const to = r.to_marker_id ? (await requireMarkers(tx, [r.to_marker_id]))[0]! : null;
		if (to && held.every((h) => h.marker_id === to.id))
			throw new ValidationError(`That work is already allocated to ${to.name}`, [
				{ field: 'to_marker_id', message: 'Already theirs' }
			]);
		const fromIds = [...new Set(held.map((h) => h.marker_id))];
		const from = await tx
			.selectFrom('app_user')
			.select(['id', 'email'])
			.where('id', 'in', fromIds)
			.execute();
		await tx
			.updateTable('allocation')
			.set({ withdrawn_at: now, withdrawn_by: actor.userId })
			.where(
				'id',
				'in',
				held.map((h) => h.id)
			)
			.execute();
		if (to) {
			await tx
				.insertInto('allocation')
				.values(
					held.map((h) => ({
						script_id: script.id,
						item_key: h.item_key,
						marker_id: to.id,
						purpose: 'first' as const,
						allocated_by: actor.userId,
						allocated_at: now
					}))
				)
				.execute();
		}
		await writeAudit(tx, actor, {
			action: to ? 'marking.reallocate' : 'marking.withdraw',
			subjectType: 'script',
			subjectId: script.id,
			details: {
				script_number: script.script_number,
				items: held.map((h) => labelOf(items, h.item_key)),
				from: from.map((f) => f.email),
				...(to ? { to: to.email } : {})
			}
		});
		return { scriptNumber: script.script_number, items: held.length, to };
	});
}

/**
 * Withdraws from a marker every script of a paper version they have not started (no mark on any of
 * its items), e.g. when they cannot go on; scripts they have started stay theirs. Audited.
 * Returns how many scripts were withdrawn and how many stay.
 */
export async function withdrawUnstarted(
	db: Kysely<Database>,
	actor: Actor,
	input: { paper_version_id: unknown; marker_id: unknown },
	now = new Date()
): Promise<{ withdrawn: number; kept: number }> {
	const r = parse(
		z.object({
			paper_version_id: uuidSchema('No such paper version'),
			marker_id: uuidSchema('Choose a marker from the list')
		}),
		input
	);
	return db.transaction().execute(async (tx) => {
		const version = await requireVersion(tx, r.paper_version_id);
		const marker = await tx
			.selectFrom('app_user')
			.select(['id', 'email'])
			.where('id', '=', r.marker_id)
			.executeTakeFirst();
		if (!marker) throw new NotFoundError('No such marker');
		const held = await tx
			.selectFrom('allocation as a')
			.innerJoin('script as sc', 'sc.id', 'a.script_id')
			.select(['a.id', 'a.script_id'])
			.where('sc.paper_version_id', '=', version.id)
			.where('a.marker_id', '=', marker.id)
			.where('a.purpose', '=', 'first')
			.where('a.withdrawn_at', 'is', null)
			.orderBy('a.id')
			.forUpdate()
			.execute();
		if (held.length === 0) return { withdrawn: 0, kept: 0 };
		const started = new Set(
			(
				await tx
					.selectFrom('mark')
					.select('script_id')
					.distinct()
					.where(
						'allocation_id',
						'in',
						held.map((h) => h.id)
					)
					.execute()
			).map((m) => m.script_id)
		);
		const go = held.filter((h) => !started.has(h.script_id));
		const scripts = new Set(go.map((h) => h.script_id));
		if (go.length) {
			await tx
				.updateTable('allocation')
				.set({ withdrawn_at: now, withdrawn_by: actor.userId })
				.where(
					'id',
					'in',
					go.map((h) => h.id)
				)
				.execute();
			await writeAudit(tx, actor, {
				action: 'marking.withdraw_unstarted',
				subjectType: 'paper_version',
				subjectId: version.id,
				details: {
					paper: `${version.code} v${version.version}`,
					marker: marker.email,
					scripts: scripts.size,
					kept: started.size
				}
			});
		}
		return { withdrawn: scripts.size, kept: started.size };
	});
}

export interface AllocationView {
	paper: { paperVersionId: string; code: string; title: string; version: number };
	counts: PaperMarkingCounts;
	items: { key: string; label: string }[];
	markers: (MarkerOption & { scripts: number; marked: number })[];
	scripts: {
		id: string;
		scriptNumber: string;
		state: 'unallocated' | 'allocated' | 'marked';
		items: { key: string; label: string; marker: string | null; marked: boolean }[];
	}[];
}

/** One paper version's allocation page: counts, markers with their loads, every script's items and holders. */
export async function allocationView(
	db: Kysely<Database>,
	paperVersionId: string
): Promise<AllocationView> {
	const version = await requireVersion(db, paperVersionId);
	const items = await itemsOf(db, version.id);
	const work = await scriptWork(db, version.id);
	const holders = await db
		.selectFrom('allocation as a')
		.innerJoin('script as sc', 'sc.id', 'a.script_id')
		.select([
			'a.script_id',
			'a.item_key',
			'a.marker_id',
			sql<boolean>`exists (select 1 from mark m where m.allocation_id = a.id)`.as('marked')
		])
		.where('sc.paper_version_id', '=', version.id)
		.where('a.purpose', '=', 'first')
		.where('a.withdrawn_at', 'is', null)
		.execute();
	const markers = await listMarkers(db);
	const names = new Map(markers.map((m) => [m.id, m.name]));
	const missing = [...new Set(holders.map((h) => h.marker_id))].filter((id) => !names.has(id));
	if (missing.length)
		for (const u of await db
			.selectFrom('app_user')
			.select(['id', 'display_name'])
			.where('id', 'in', missing)
			.execute())
			names.set(u.id, u.display_name);
	const counts = { unallocated: 0, allocated: 0, marked: 0 };
	const scripts = work
		.sort((x, y) => x.script_number.localeCompare(y.script_number))
		.map((w) => {
			const state = classify(w, items.length);
			counts[state]++;
			return {
				id: w.id,
				scriptNumber: w.script_number,
				state,
				items: items.map((i) => {
					const h = holders.find((x) => x.script_id === w.id && x.item_key === i.key);
					return {
						key: i.key,
						label: i.label,
						marker: h ? (names.get(h.marker_id) ?? null) : null,
						marked: Boolean(h?.marked)
					};
				})
			};
		});
	const perMarker = (id: string) => {
		const mine = holders.filter((h) => h.marker_id === id);
		const byScript = new Map<string, boolean>();
		for (const h of mine)
			byScript.set(h.script_id, (byScript.get(h.script_id) ?? true) && Boolean(h.marked));
		return { scripts: byScript.size, marked: [...byScript.values()].filter(Boolean).length };
	};
	return {
		paper: {
			paperVersionId: version.id,
			code: version.code,
			title: version.title,
			version: version.version
		},
		counts: {
			paperVersionId: version.id,
			code: version.code,
			title: version.title,
			version: version.version,
			items: items.length,
			scripts: work.length,
			...counts
		},
		items: items.map((i) => ({ key: i.key, label: i.label })),
		markers: markers.map((m) => ({ ...m, ...perMarker(m.id) })),
		scripts
	};
}
