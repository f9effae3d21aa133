import { type Kysely } from 'kysely';
import { z } from 'zod';

import { type Item } from '../../domain/paper.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse, uuidSchema } from '../validation.js';
import {
	chooseItems,
	itemsOf,
	requireMarkers,
	requireVersion,
	type MarkerOption
} from './allocation.js';

/*
 * Moving first-marking work nobody has marked yet: one script's work to another marker (or back to
 * be allocated again), or every unstarted script of a marker who cannot go on. Work with a mark on
 * it is never moved: the mark stays with the marker who gave it.
 */

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
