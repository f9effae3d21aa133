import type { Kysely } from 'kysely';
import { z } from 'zod';

import { writeAudit, type Actor } from '../audit/index.js';
import type { CentreRow, Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';

/* Examination centres: the awarding administrator creates them; staff and pages look them up. */

export const centreInputSchema = z.object({
	number: z
		.string()
		.trim()
		.regex(/^\d{6}$/, 'Centre number must be six digits'),
	name: z.string().trim().min(2, 'Centre name is required').max(200)
});

export async function listCentres(
	db: Kysely<Database>
): Promise<(CentreRow & { candidate_count: number })[]> {
	return db
		.selectFrom('centre')
		.selectAll('centre')
		.select((eb) =>
			eb
				.selectFrom('candidate')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('candidate.centre_id', '=', 'centre.id')
				.as('candidate_count')
		)
		.orderBy('number')
		.execute()
		.then((rows) => rows.map((r) => ({ ...r, candidate_count: Number(r.candidate_count ?? 0) })));
}

/** The centres with these ids (a user's centres), by number. */
export async function getCentresByIds(
	db: Kysely<Database>,
	ids: readonly string[]
): Promise<Pick<CentreRow, 'id' | 'number' | 'name'>[]> {
	ids = ids.filter(isUuid);
	if (ids.length === 0) return [];
	return db
		.selectFrom('centre')
		.select(['id', 'number', 'name'])
		.where('id', 'in', ids)
		.orderBy('number')
		.execute();
}

export async function findCentreByNumber(
	db: Kysely<Database>,
	number: string
): Promise<CentreRow | null> {
	return (
		(await db.selectFrom('centre').selectAll().where('number', '=', number).executeTakeFirst()) ??
		null
	);
}

/** The invigilators of a centre, for booking a sitting. */
export async function listCentreInvigilators(db: Kysely<Database>, centreId: string) {
	if (!isUuid(centreId)) return [];
	return db
		.selectFrom('membership as m')
		.innerJoin('app_user as u', 'u.id', 'm.user_id')
		.select(['u.id', 'u.display_name', 'u.email'])
		.where('m.role', '=', 'invigilator')
		.where('m.centre_id', '=', centreId)
		.orderBy('u.display_name')
		.execute();
}

/** Headline counts for the awarding administrator's overview. */
export async function countRecords(
	db: Kysely<Database>
): Promise<{ centres: number; staff: number; candidates: number }> {
	const count = async (table: 'centre' | 'app_user' | 'candidate') =>
		Number(
			(
				await db
					.selectFrom(table)
					.select((eb) => eb.fn.countAll<number>().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	return {
		centres: await count('centre'),
		staff: await count('app_user'),
		candidates: await count('candidate')
	};
}

export async function getCentre(db: Kysely<Database>, id: string): Promise<CentreRow> {
	if (!isUuid(id)) throw new NotFoundError('No such centre');
	const row = await db.selectFrom('centre').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw new NotFoundError('No such centre');
	return row;
}

export async function createCentre(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown
): Promise<CentreRow> {
	const parsed = parse(centreInputSchema, input);
	const taken = () =>
		new ValidationError(`Centre number ${parsed.number} is already in use`, [
			{ field: 'number', message: 'Already in use' }
		]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const row = await tx
					.insertInto('centre')
					.values(parsed)
					.returningAll()
					.executeTakeFirstOrThrow();
				await writeAudit(tx, actor, {
					action: 'centre.create',
					centreId: row.id,
					subjectType: 'centre',
					subjectId: row.id,
					details: parsed
				});
				return row;
			}),
		{ centre_number_key: taken }
	);
}
