import { sql, type Kysely } from 'kysely';
import { z } from 'zod';

import {
	qualificationByNumber,
	qualificationOfUnit,
	QUALIFICATIONS,
	type QualificationRoute
} from '../../domain/qualifications.js';
import {
	isDay,
	judgeRegistration,
	ukDate,
	type QualificationStanding
} from '../../domain/registrations.js';
import {
	DEFAULT_RESIT_SETTINGS,
	judgeBooking,
	papersLeft,
	type PastAttempt,
	type PastOutcome,
	type ResitSettings
} from '../../domain/resits.js';
import { dayIn } from '../../domain/sitting.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse, uuidSchema } from '../validation.js';

/*
 * Registrations for qualifications, the awarding administrator's last dates and resit settings,
 * and the booking check every sitting booking goes through (issue 15, items 1 and 2). The rules
 * are the domain's (domain/registrations.ts, domain/resits.ts); this file reads what they need.
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

export async function getResitSettings(db: Kysely<Database>): Promise<ResitSettings> {
	const r = await db
		.selectFrom('resit_settings')
		.select(['max_attempts', 'min_interval_days'])
		.executeTakeFirst();
	return r
		? { maxAttempts: r.max_attempts, minIntervalDays: r.min_interval_days }
		: DEFAULT_RESIT_SETTINGS;
}

export const resitSettingsSchema = z.object({
	max_attempts: z.coerce
		.number({ message: 'Enter a whole number' })
		.int('Enter a whole number')
		.min(1, 'At least 1 attempt')
		.max(20, 'At most 20 attempts'),
	min_interval_days: z.coerce
		.number({ message: 'Enter a whole number' })
		.int('Enter a whole number')
		.min(0, 'At least 0 days')
		.max(365, 'At most 365 days')
});

/** The awarding administrator sets the attempts limit and the interval. Audited with before and after. */
export async function setResitSettings(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown
): Promise<ResitSettings> {
	const v = parse(resitSettingsSchema, input);
	return db.transaction().execute(async (tx) => {
		const before = await getResitSettings(tx);
		await tx
			.insertInto('resit_settings')
			.values({
				id: true,
				max_attempts: v.max_attempts,
				min_interval_days: v.min_interval_days,
				updated_by: actor.userId
			})
			.onConflict((oc) =>
				oc.column('id').doUpdateSet({
					max_attempts: v.max_attempts,
					min_interval_days: v.min_interval_days,
					updated_by: actor.userId,
					updated_at: new Date()
				})
			)
			.execute();
		const after = { maxAttempts: v.max_attempts, minIntervalDays: v.min_interval_days };
		await writeAudit(tx, actor, {
			action: 'resit.settings',
			subjectType: 'resit_settings',
			details: { before, after }
		});
		return after;
	});
}

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

/** The live papers of a unit that can be booked, by code. */
export async function livePapersOf(db: Kysely<Database>, unitCode: string): Promise<string[]> {
	const rows = await db
		.selectFrom('paper')
		.select('code')
		.where('unit_code', '=', unitCode)
		.where('kind', '=', 'live')
		.where('current_version_id', 'is not', null)
		.orderBy('code')
		.execute();
	return rows.map((r) => r.code);
}

/**
 * Each candidate's attempts at a unit in sittings that have started (cancelled or still to run do
 * not count): the paper, the day, and the released outcome, or pending until the result is released.
 */
export async function unitHistories(
	db: Kysely<Database>,
	candidateIds: readonly string[],
	unitCode: string
): Promise<Map<string, PastAttempt[]>> {
	const out = new Map<string, PastAttempt[]>(candidateIds.map((id) => [id, []]));
	if (candidateIds.length === 0) return out;
	const rows = await db
		.selectFrom('attempt as a')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', 'p.id', 'v.paper_id')
		.leftJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.select([
			'a.candidate_id',
			'p.code',
			's.scheduled_at',
			'sr.released_at',
			(eb) =>
				eb
					.selectFrom('result as r')
					.select('r.status')
					.whereRef('r.attempt_id', '=', 'a.id')
					.orderBy('r.version', 'desc')
					.limit(1)
					.as('status'),
			(eb) =>
				eb
					.selectFrom('result as r')
					.select('r.grade')
					.whereRef('r.attempt_id', '=', 'a.id')
					.orderBy('r.version', 'desc')
					.limit(1)
					.as('grade')
		])
		.where('a.candidate_id', 'in', candidateIds)
		.where('p.unit_code', '=', unitCode)
		// A mock (a practice paper, marked by the centre) is never an attempt at the unit.
		.where('s.purpose', '=', 'live')
		// A booking on a sitting still to run does not count (a centre may book a standby sitting);
		// once the sitting has started, the attempt counts until its result is released and after.
		.where('s.state', 'in', ['running', 'ended'])
		.orderBy('s.scheduled_at')
		.execute();
	for (const r of rows) {
		let outcome: PastOutcome = 'pending';
		if (r.released_at && r.status === 'absent') outcome = 'absent';
		else if (r.released_at && r.status === 'void') outcome = 'void';
		else if (r.released_at && r.status === 'graded' && r.grade) outcome = r.grade;
		out.get(r.candidate_id)!.push({ paperCode: r.code, sittingAt: r.scheduled_at, outcome });
	}
	return out;
}

export interface BookingNote {
	candidateNumber: string;
	name: string;
	attempt: number;
	resit: boolean;
	paperCode: string;
}

/**
 * The check every booking makes (a new sitting, or candidates added to one): the paper is live,
 * and each candidate is registered for its unit and may sit it now (domain/resits.ts). Locks the
 * candidates' registrations for the unit, so two bookings of one candidate at once are decided one
 * after the other (the second sees the first's booking). Refusals name each candidate concerned.
 * Returns, per candidate, which attempt it is and whether it is a resit.
 */
export async function checkBookings(
	tx: Kysely<Database>,
	paper: { code: string; kind: string; unit_code: string },
	candidates: readonly {
		id: string;
		candidate_number: string;
		first_name: string;
		last_name: string;
	}[],
	scheduledAt: Date
): Promise<BookingNote[]> {
	if (paper.kind !== 'live') {
		const m = `${paper.code} is a practice paper: only a live paper can be booked for an examination.`;
		throw new ValidationError(m, [{ field: 'paper_code', message: m }]);
	}
	const ids = candidates.map((c) => c.id);
	const nameOf = (c: (typeof candidates)[number]) =>
		`${c.first_name} ${c.last_name} (${c.candidate_number})`;
	// The handbook's units lead to a qualification and need a registration; a unit the handbook does
	// not have (a test unit of the bank) leads to none, so there is nothing to register for, nor
	// attempts at a unit to count: registration, resit and result rules are the handbook's units'
	// (the browser tests book their test units' candidates on one sitting after another).
	if (qualificationOfUnit(paper.unit_code) === undefined)
		return candidates.map((c) => ({
			candidateNumber: c.candidate_number,
			name: nameOf(c),
			attempt: 1,
			resit: false,
			paperCode: paper.code
		}));
	const registered =
		ids.length === 0
			? []
			: await tx
					.selectFrom('registration')
					.select('candidate_id')
					.where('candidate_id', 'in', ids)
					.where('unit_code', '=', paper.unit_code)
					.forUpdate()
					.execute();
	const [histories, live, settings] = await Promise.all([
		unitHistories(tx, ids, paper.unit_code),
		livePapersOf(tx, paper.unit_code),
		getResitSettings(tx)
	]);
	const notes: BookingNote[] = [];
	const refusals: string[] = [];
	for (const c of candidates) {
		const name = nameOf(c);
		const verdict = judgeBooking({
			candidate: name,
			unitCode: paper.unit_code,
			paperCode: paper.code,
			registered: registered.some((r) => r.candidate_id === c.id),
			history: histories.get(c.id) ?? [],
			livePapers: live,
			scheduledAt,
			settings
		});
		if (verdict.ok)
			notes.push({
				candidateNumber: c.candidate_number,
				name,
				attempt: verdict.attempt,
				resit: verdict.resit,
				paperCode: paper.code
			});
		else refusals.push(verdict.reason);
	}
	if (refusals.length > 0)
		throw new ValidationError(
			refusals.join(' '),
			refusals.map((message) => ({ field: 'candidate_ids', message }))
		);
	return notes;
}

export interface CandidateProgress {
	registrationId: string;
	candidateId: string;
	candidateNumber: string;
	name: string;
	qualificationNumber: string;
	qualificationTitle: string;
	unitCode: string;
	/** What the centre can do next, in words: "Book on 8992-111-A", "Resit on 8992-111-B (attempt 2 of 3)", "Awaiting result"… */
	next: string;
}

/** Each registration and what comes next for it, as the booking check would decide today. */
export async function registrationProgress(
	db: Kysely<Database>,
	centreId: string,
	now = new Date()
): Promise<CandidateProgress[]> {
	const regs = await listRegistrations(db, centreId);
	const settings = await getResitSettings(db);
	const units = [...new Set(regs.map((r) => r.unitCode))];
	const byUnit = new Map<string, { histories: Map<string, PastAttempt[]>; live: string[] }>();
	for (const u of units) {
		const ids = regs.filter((r) => r.unitCode === u).map((r) => r.candidateId);
		byUnit.set(u, { histories: await unitHistories(db, ids, u), live: await livePapersOf(db, u) });
	}
	return regs.map((r) => {
		const { histories, live } = byUnit.get(r.unitCode)!;
		const history = histories.get(r.candidateId) ?? [];
		const left = papersLeft(history, live);
		const name = `${r.firstName} ${r.lastName}`;
		// Judged for a sitting far enough ahead that the interval is met; the earliest day is said apart.
		const lastSat = history
			.filter((h) => h.outcome === 'Fail')
			.reduce((t, h) => Math.max(t, h.sittingAt.getTime()), 0);
		const earliest = new Date(lastSat + settings.minIntervalDays * 86_400_000);
		const probe = judgeBooking({
			candidate: name,
			unitCode: r.unitCode,
			paperCode: left[0] ?? live[0] ?? '',
			registered: true,
			history,
			livePapers: live,
			scheduledAt: earliest > now ? earliest : now,
			settings
		});
		const from = earliest > now ? `, from ${ukDate(dayIn(earliest))}` : '';
		const passed = history.find((h) => h.outcome === 'Pass' || h.outcome === 'First Class Pass');
		let next: string;
		if (passed) next = `Achieved: ${passed.outcome} on ${passed.paperCode}`;
		else if (history.some((h) => h.outcome === 'pending'))
			next = 'Booked: awaiting the released result';
		else if (probe.ok)
			next = probe.resit
				? `Resit due on ${left[0]} (attempt ${probe.attempt} of ${settings.maxAttempts})${from}`
				: `Ready to book on ${left.join(' or ') || 'a live paper'}`;
		else next = probe.reason;
		return {
			registrationId: r.id,
			candidateId: r.candidateId,
			candidateNumber: r.candidateNumber,
			name,
			qualificationNumber: r.qualificationNumber,
			qualificationTitle:
				qualificationByNumber(r.qualificationNumber)?.qualification.title ?? r.qualificationNumber,
			unitCode: r.unitCode,
			next
		};
	});
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
