import { sql, type Kysely } from 'kysely';
import { z } from 'zod';

import {
	qualificationByNumber,
	QUALIFICATIONS,
	type QualificationRoute
} from '../../domain/qualifications.js';
import { isDay, type QualificationStanding } from '../../domain/registrations.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { parse } from '../validation.js';

/*
 * The handbook's qualifications as the awarding body keeps them: each one's standing (withdrawn when
 * its units are withdrawn in the bank) and the last dates the awarding administrator sets. The rules
 * are the domain's (domain/registrations.ts).
 */

const qualificationName = (q: QualificationRoute) =>
	`${q.qualification.number} ${q.qualification.title}`;

export interface QualificationSummary extends QualificationStanding {
	number: string;
	title: string;
	regulatoryNumber: string;
	units: readonly string[];
}

/** Every qualification with its standing: withdrawn as its unit's status in the bank says, and its last dates. */
export async function qualificationStandings(
	db: Kysely<Database>
): Promise<QualificationSummary[]> {
	const [units, dates] = await Promise.all([
		db.selectFrom('unit').select(['code', 'status']).execute(),
		db
			.selectFrom('qualification_dates')
			.select([
				'qualification_number',
				sql<string | null>`to_char(last_registration_on, 'YYYY-MM-DD')`.as('last_registration_on'),
				sql<string | null>`to_char(last_certification_on, 'YYYY-MM-DD')`.as('last_certification_on')
			])
			.execute()
	]);
	return QUALIFICATIONS.map((q) => {
		const d = dates.find((r) => r.qualification_number === q.qualification.number);
		return {
			number: q.qualification.number,
			title: q.qualification.title,
			regulatoryNumber: q.qualification.regulatoryNumber,
			units: q.units,
			name: qualificationName(q),
			withdrawn: q.units.every((u) => units.find((x) => x.code === u)?.status === 'withdrawn'),
			lastRegistrationOn: d?.last_registration_on ?? null,
			lastCertificationOn: d?.last_certification_on ?? null
		};
	});
}

export async function qualificationStanding(
	db: Kysely<Database>,
	number: string
): Promise<QualificationSummary> {
	const q = (await qualificationStandings(db)).find((x) => x.number === number);
	if (!q) throw new NotFoundError('No such qualification');
	return q;
}

const optionalDay = (label: string) =>
	z
		.string()
		.trim()
		.max(10)
		.refine((s) => s === '' || isDay(s), `Enter the ${label} as a real date, or leave it empty`)
		.transform((s) => (s === '' ? null : s));

export const qualificationDatesSchema = z.object({
	last_registration_on: optionalDay('last date for registration'),
	last_certification_on: optionalDay('last date for certification')
});

/** The awarding administrator sets a qualification's last dates (empty: none). Audited with before and after. */
export async function setQualificationDates(
	db: Kysely<Database>,
	actor: Actor,
	number: string,
	input: unknown
): Promise<void> {
	if (!qualificationByNumber(number)) throw new NotFoundError('No such qualification');
	const v = parse(qualificationDatesSchema, input);
	await db.transaction().execute(async (tx) => {
		const before = (await qualificationStandings(tx)).find((q) => q.number === number)!;
		await tx
			.insertInto('qualification_dates')
			.values({
				qualification_number: number,
				last_registration_on: v.last_registration_on,
				last_certification_on: v.last_certification_on,
				updated_by: actor.userId
			})
			.onConflict((oc) =>
				oc.column('qualification_number').doUpdateSet({
					last_registration_on: v.last_registration_on,
					last_certification_on: v.last_certification_on,
					updated_by: actor.userId,
					updated_at: new Date()
				})
			)
			.execute();
		await writeAudit(tx, actor, {
			action: 'qualification.set_dates',
			subjectType: 'qualification',
			subjectId: number,
			details: {
				before: {
					last_registration_on: before.lastRegistrationOn,
					last_certification_on: before.lastCertificationOn
				},
				after: v
			}
		});
	});
}
