import { sql, type Kysely } from 'kysely';

import type { Database } from '../db/schema.js';
import {
	classify,
	itemsOf,
	listMarkers,
	requireVersion,
	scriptWork,
	type MarkerOption,
	type PaperMarkingCounts
} from './allocation.js';

/* The allocation pages: every paper's counts, and one paper version's scripts, items and holders. */

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
