import { sql, type Kysely } from 'kysely';
import { z } from 'zod';

import { dayIn } from '../../domain/centre-time.js';
import { qualificationByNumber, QUALIFICATIONS } from '../../domain/qualifications.js';
import { judgeRegistration } from '../../domain/registrations.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse, uuidSchema } from '../validation.js';
import { qualificationStanding } from './qualifications.js';

/*
 * Registrations for qualifications (issue 15, item 1): a centre registers its candidates through
 * one of a qualification's unit routes, or an operator records registrations made elsewhere.
 */

export const registrationSchema = z.object({
	candidate_id: uuidSchema('Choose a candidate from the list'),
	/** "8992-11:8992-111": the qualification and its unit route. */
	route: z
		.string()
		.trim()
		.min(1, 'Choose the qualification and unit route')
		.max(40, 'Choose the qualification and unit route')
});

export interface RegistrationRow {
	id: string;
	candidateId: string;
	candidateNumber: string;
	firstName: string;
	lastName: string;
	qualificationNumber: string;
	unitCode: string;
	registeredAt: Date;
}

/**
 * A centre registers one of its candidates (not withdrawn) for a qualification through one of its
 * unit routes. Refused with the reason for a withdrawn qualification, after its last date for
 * registration, or when the candidate is registered for it already. Audited.
 */
export async function registerForQualification(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	input: unknown,
	now = new Date()
): Promise<string> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	const v = parse(registrationSchema, input);
	const [number, unit] = v.route.split(':');
	const route = qualificationByNumber(number ?? '');
	if (!route || !unit || !route.units.includes(unit))
		throw new ValidationError('Choose the qualification and unit route', [
			{ field: 'route', message: 'Choose the qualification and unit route' }
		]);
	const standing = await qualificationStanding(db, route.qualification.number);
	const refusal = judgeRegistration(standing, dayIn(now));
	if (refusal) throw new ValidationError(refusal, [{ field: 'route', message: refusal }]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const candidate = await tx
					.selectFrom('candidate')
					.select(['id', 'candidate_number', 'first_name', 'last_name'])
					.where('id', '=', v.candidate_id)
					.where('centre_id', '=', centreId)
					.where('withdrawn_at', 'is', null)
					// A withdrawal of the candidate waits for this registration (as a booking does).
					.forShare()
					.executeTakeFirst();
				if (!candidate)
					throw new ValidationError(
						"Choose a candidate from this centre's register (a withdrawn candidate cannot be registered)",
						[{ field: 'candidate_id', message: 'Not on this centre’s register, or withdrawn' }]
					);
				const unitRow = await tx
					.selectFrom('unit')
					.select('code')
					.where('code', '=', unit)
					.executeTakeFirst();
				if (!unitRow)
					throw new ValidationError(`Unit ${unit} is not in the question bank yet`, [
						{ field: 'route', message: `Unit ${unit} is not in the bank` }
					]);
				const row = await tx
					.insertInto('registration')
					.values({
						centre_id: centreId,
						candidate_id: candidate.id,
						qualification_number: route.qualification.number,
						unit_code: unit,
						registered_at: now,
						registered_by: actor.userId
					})
					.returning('id')
					.executeTakeFirstOrThrow();
				await writeAudit(tx, actor, {
					action: 'registration.create',
					centreId,
					subjectType: 'registration',
					subjectId: row.id,
					details: {
						candidate: candidate.candidate_number,
						qualification: route.qualification.number,
						unit
					}
				});
				return row.id;
			}),
		{
			registration_candidate_qualification_key: () =>
				new ConflictError(
					`This candidate is already registered for ${route.qualification.number} ${route.qualification.title}`
				)
		}
	);
}

/** The centre's registrations, by candidate number then qualification. */
export async function listRegistrations(
	db: Kysely<Database>,
	centreId: string
): Promise<RegistrationRow[]> {
	if (!isUuid(centreId)) return [];
	return db
		.selectFrom('registration as r')
		.innerJoin('candidate as c', 'c.id', 'r.candidate_id')
		.select([
			'r.id',
			'r.candidate_id as candidateId',
			'c.candidate_number as candidateNumber',
			'c.first_name as firstName',
			'c.last_name as lastName',
			'r.qualification_number as qualificationNumber',
			'r.unit_code as unitCode',
			'r.registered_at as registeredAt'
		])
		.where('r.centre_id', '=', centreId)
		.orderBy('c.candidate_number')
		.orderBy('r.qualification_number')
		.execute();
}

/**
 * Records registrations made earlier, outside this system (an operator's import, or the demo's
 * history), for the qualification a unit leads to. A withdrawn qualification's candidates were
 * registered before its withdrawal, so the withdrawal and last-date checks do not apply; a
 * candidate already registered is left as is. Audited.
 */
export async function importRegistrations(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	candidateIds: readonly string[],
	unitCode: string,
	registeredAt: Date
): Promise<number> {
	const route = QUALIFICATIONS.find((q) => q.units.includes(unitCode));
	if (!route)
		throw new ValidationError(`Unit ${unitCode} leads to no qualification of the handbook`);
	if (candidateIds.length === 0) return 0;
	return db.transaction().execute(async (tx) => {
		const rows = await tx
			.insertInto('registration')
			.columns([
				'centre_id',
				'candidate_id',
				'qualification_number',
				'unit_code',
				'registered_at',
				'registered_by'
			])
			.expression((eb) =>
				eb
					.selectFrom('candidate')
					.select([
						'centre_id',
						'id',
						sql.lit(route.qualification.number).as('q'),
						sql.lit(unitCode).as('u'),
						sql<Date>`${registeredAt}::timestamptz`.as('at'),
						sql<string | null>`${actor.userId}::uuid`.as('by')
					])
					.where('centre_id', '=', centreId)
					.where('id', 'in', candidateIds)
			)
			.onConflict((oc) => oc.constraint('registration_candidate_qualification_key').doNothing())
			.returning('id')
			.execute();
		await writeAudit(tx, actor, {
			action: 'registration.import',
			centreId,
			subjectType: 'qualification',
			subjectId: route.qualification.number,
			details: {
				unit: unitCode,
				registrations: rows.length,
				registered_at: registeredAt.toISOString()
			}
		});
		return rows.length;
	});
}
