import { randomBytes } from 'node:crypto';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import type { Kysely } from 'kysely';

import { dayIn, ukDate } from '../../domain/centre-time.js';
import { fields, paragraph, title, type DocumentTree } from '../../domain/document.js';
import { qualificationByNumber, unitOfQualification } from '../../domain/qualifications.js';
import { isAchievingGrade, judgeCertification } from '../../domain/registrations.js';
import { throttleMessage, type ThrottlePolicy } from '../../domain/throttle.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { recordSuccess, reserveAttempt } from '../auth/throttle.js';
import type { CertificateShown } from '../db/column-types.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors.js';
import { qualificationStandings } from '../registrations/qualifications.js';
import { renderDocument } from '../reports/pdf.js';
import { wording } from '../reports/wording.js';
import { isUuid } from '../validation.js';

/*
 * Certification (issue 15, item 3). A candidate registered for a qualification has achieved the
 * award once a result of its unit is released as Pass or First Class Pass (handbook: an award is
 * achieved through its one mandatory unit). The centre sees who is ready and claims their
 * certificates in one batch; each certificate carries a random verification reference that anyone
 * can check on the public page /verify, which shows only what the certificate prints.
 */

export interface ReadyCandidate {
	registrationId: string;
	candidateNumber: string;
	name: string;
	qualificationNumber: string;
	qualificationTitle: string;
	unitCode: string;
	grade: 'Pass' | 'First Class Pass';
	paperCode: string;
	/** 'YYYY-MM-DD': when the result was released. */
	achievedOn: string;
	attemptId: string;
	resultId: number;
	/** Why it cannot be claimed today (past the qualification's last date for certification), or null. */
	blocked: string | null;
}

/** Registrations of the centre whose unit is achieved (released Pass or First Class Pass) and not yet certificated. */
export async function readyForCertification(
	db: Kysely<Database>,
	centreId: string,
	now = new Date()
): Promise<ReadyCandidate[]> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	const latest = db
		.selectFrom('result')
		.select(['id', 'attempt_id', 'status', 'grade'])
		.distinctOn('attempt_id')
		.orderBy('attempt_id')
		.orderBy('version', 'desc')
		.as('r');
	const rows = await db
		.selectFrom('registration as g')
		.innerJoin('candidate as c', 'c.id', 'g.candidate_id')
		.innerJoin('attempt as a', 'a.candidate_id', 'g.candidate_id')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.innerJoin('sitting_results as sr', 'sr.sitting_id', 's.id')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.innerJoin('paper as p', (j) =>
			j.onRef('p.id', '=', 'v.paper_id').onRef('p.unit_code', '=', 'g.unit_code')
		)
		.innerJoin(latest, 'r.attempt_id', 'a.id')
		.select([
			'g.id as registrationId',
			'c.candidate_number as candidateNumber',
			'c.first_name as firstName',
			'c.last_name as lastName',
			'g.qualification_number as qualificationNumber',
			'g.unit_code as unitCode',
			'r.grade',
			'r.id as resultId',
			'a.id as attemptId',
			'p.code as paperCode',
			'sr.released_at as releasedAt'
		])
		.where('g.centre_id', '=', centreId)
		.where('sr.released_at', 'is not', null)
		.where('r.status', '=', 'graded')
		.where('r.grade', 'in', ['Pass', 'First Class Pass'])
		.where((eb) =>
			eb.not(
				eb.exists(
					eb
						.selectFrom('certificate as x')
						.select('x.id')
						.whereRef('x.registration_id', '=', 'g.id')
				)
			)
		)
		.orderBy('c.candidate_number')
		.orderBy('g.qualification_number')
		.orderBy('sr.released_at')
		.execute();
	const standings = await qualificationStandings(db);
	const today = dayIn(now);
	const seen = new Set<string>();
	const out: ReadyCandidate[] = [];
	for (const r of rows) {
		// One certificate per registration: the first release that achieved the unit.
		if (seen.has(r.registrationId) || !isAchievingGrade(r.grade)) continue;
		seen.add(r.registrationId);
		const standing = standings.find((q) => q.number === r.qualificationNumber)!;
		out.push({
			registrationId: r.registrationId,
			candidateNumber: r.candidateNumber,
			name: `${r.firstName} ${r.lastName}`,
			qualificationNumber: r.qualificationNumber,
			qualificationTitle: standing.title,
			unitCode: r.unitCode,
			grade: r.grade,
			paperCode: r.paperCode,
			achievedOn: dayIn(r.releasedAt!),
			attemptId: r.attemptId,
			resultId: Number(r.resultId),
			blocked: judgeCertification(standing, today)
		});
	}
	return out;
}

/** 80 random bits, "K7Q2-M9XD-4TRA-PW3E": unguessable, and short enough to type from paper. */
function newReference(): string {
	return encodeBase32UpperCaseNoPadding(randomBytes(10)).match(/.{4}/g)!.join('-');
}

/** A reference as someone typed it: case, spaces and dashes do not matter. */
export function normaliseReference(typed: string): string {
	const compact = typed.toUpperCase().replace(/[\s-]/g, '');
	return /^[A-Z2-7]{16}$/.test(compact) ? compact.match(/.{4}/g)!.join('-') : '';
}

export interface ClaimOutcome {
	claimId: string;
	certificates: number;
	/** Ready candidates left out, each with the reason (past the last date for certification). */
	leftOut: string[];
}

/**
 * Claims certificates for every candidate of the centre ready for one, in one batch. The centre's
 * row is locked for the claim, so two claims at once (a double click) run one after the other and
 * the second finds nothing left to claim; the unique registration key on certificate is the
 * backstop. Refused with the reason when nothing can be claimed. Audited.
 */
export async function claimCertificates(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	now = new Date()
): Promise<ClaimOutcome> {
	if (!isUuid(centreId)) throw new NotFoundError('No such centre');
	return db.transaction().execute(async (tx) => {
		const centre = await tx
			.selectFrom('centre')
			.select(['id'])
			.where('id', '=', centreId)
			.forUpdate()
			.executeTakeFirst();
		if (!centre) throw new NotFoundError('No such centre');
		const ready = await readyForCertification(tx, centreId, now);
		const claimable = ready.filter((r) => !r.blocked);
		const leftOut = ready
			.filter((r) => r.blocked)
			.map((r) => `${r.name} (${r.candidateNumber}): ${r.blocked}`);
		if (claimable.length === 0) {
			if (leftOut.length > 0) throw new ValidationError(leftOut.join(' '));
			throw new ConflictError(
				'No candidate is ready for a certificate: every achieved award has been claimed already.'
			);
		}
		const claim = await tx
			.insertInto('certificate_claim')
			.values({
				centre_id: centreId,
				claimed_by: actor.userId,
				claimed_at: now,
				certificates: claimable.length
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		const issuedOn = dayIn(now);
		const values = claimable.map((r) => {
			const q = qualificationByNumber(r.qualificationNumber)!.qualification;
			const reference = newReference();
			const shown: CertificateShown = {
				reference,
				candidateName: r.name,
				qualificationTitle: q.title,
				qualificationNumber: q.number,
				regulatoryNumber: q.regulatoryNumber,
				unit: r.unitCode,
				unitTitle: unitOfQualification(r.unitCode)?.title ?? r.unitCode,
				grade: r.grade,
				achievedOn: r.achievedOn,
				issuedOn
			};
			return {
				reference,
				registration_id: r.registrationId,
				claim_id: claim.id,
				centre_id: centreId,
				attempt_id: r.attemptId,
				result_id: r.resultId,
				grade: r.grade,
				shown: JSON.stringify(shown),
				issued_at: now
			};
		});
		await tx.insertInto('certificate').values(values).execute();
		await writeAudit(tx, actor, {
			action: 'certificate.claim',
			centreId,
			subjectType: 'certificate_claim',
			subjectId: claim.id,
			details: {
				certificates: claimable.map((r) => ({
					candidate: r.candidateNumber,
					qualification: r.qualificationNumber,
					grade: r.grade
				})),
				left_out: ready.filter((r) => r.blocked).map((r) => r.candidateNumber)
			}
		});
		return { claimId: claim.id, certificates: claimable.length, leftOut };
	});
}

export interface CertificateRow {
	id: string;
	claimId: string;
	candidateNumber: string;
	shown: CertificateShown;
	issuedAt: Date;
}

const asShown = (v: unknown): CertificateShown =>
	typeof v === 'string' ? (JSON.parse(v) as CertificateShown) : (v as CertificateShown);

/** The centre's certificates, newest claim first. */
export async function listCertificates(
	db: Kysely<Database>,
	centreId: string
): Promise<CertificateRow[]> {
	if (!isUuid(centreId)) return [];
	const rows = await db
		.selectFrom('certificate as x')
		.innerJoin('registration as g', 'g.id', 'x.registration_id')
		.innerJoin('candidate as c', 'c.id', 'g.candidate_id')
		.select([
			'x.id',
			'x.claim_id as claimId',
			'c.candidate_number as candidateNumber',
			'x.shown',
			'x.issued_at as issuedAt'
		])
		.where('x.centre_id', '=', centreId)
		.orderBy('x.issued_at', 'desc')
		.orderBy('c.candidate_number')
		.execute();
	return rows.map((r) => ({ ...r, shown: asShown(r.shown) }));
}

const say = {
	unit: wording<{ unit: string; title: string }>('{{unit}} {{title}}'),
	awarded: wording<{ name: string }>('This is to certify that {{name}} has achieved'),
	verify: wording<{ reference: string }>(
		'Verification reference {{reference}}. Anyone may check this certificate at /verify with this reference.'
	)
};

/** A certificate as blocks of the document tree: every value a node's own text (DESIGN.md section 7). */
export function certificateTree(s: CertificateShown): DocumentTree {
	return {
		title: 'Certificate',
		footer: 'Certificate',
		blocks: [
			title('Certificate'),
			paragraph(say.awarded({ name: s.candidateName })),
			paragraph(s.qualificationTitle, 'strong'),
			fields(
				[
					['Qualification number', s.qualificationNumber],
					['Regulatory number', s.regulatoryNumber],
					['Unit', say.unit({ unit: s.unit, title: s.unitTitle })],
					['Grade', s.grade],
					['Date of achievement', ukDate(s.achievedOn)],
					['Date of issue', ukDate(s.issuedOn)],
					['Verification reference', s.reference]
				],
				1,
				2.6
			),
			paragraph(say.verify({ reference: s.reference }), 'small')
		]
	};
}

/** One certificate of the centre as a PDF; another centre's is not found. */
export async function certificatePdf(
	db: Kysely<Database>,
	centreId: string,
	certificateId: string
): Promise<{ pdf: Uint8Array; row: CertificateRow }> {
	if (!isUuid(centreId) || !isUuid(certificateId)) throw new NotFoundError('No such certificate');
	const row = (await listCertificates(db, centreId)).find((c) => c.id === certificateId);
	if (!row) throw new NotFoundError('No such certificate');
	return { pdf: await renderDocument(certificateTree(row.shown)), row };
}

/** Public lookups by address: a wrong reference counts; a right one does not (references are 80 random bits). */
export const VERIFY_THROTTLE: ThrottlePolicy = { maxFailures: 20, windowMs: 15 * 60_000 };

/**
 * The public check: a reference gives exactly what its certificate prints, nothing else (no
 * centre, no candidate number, no marks). Throttled per address like the other public forms.
 */
export async function verifyCertificate(
	db: Kysely<Database>,
	typed: string,
	ip: string,
	now = new Date()
): Promise<CertificateShown> {
	const reference = normaliseReference(typed.slice(0, 64));
	if (!reference)
		throw new ValidationError(
			'Enter the verification reference as printed: 16 letters and digits, e.g. K7Q2-M9XD-4TRA-PW3E',
			[{ field: 'reference', message: 'Enter the reference as printed on the certificate' }]
		);
	const reservation = await reserveAttempt(
		db,
		[{ kind: 'address', key: `verify:${ip}`, policy: VERIFY_THROTTLE, resetBySuccess: false }],
		now
	);
	if (!reservation.allowed)
		throw new TooManyRequestsError(
			throttleMessage(reservation.retryAfterSeconds).replace('sign-in attempts', 'checks'),
			reservation.retryAfterSeconds
		);
	const row = await db
		.selectFrom('certificate')
		.select('shown')
		.where('reference', '=', reference)
		.executeTakeFirst();
	if (!row)
		throw new ValidationError(
			'No certificate has this reference. Check it against the certificate.',
			[{ field: 'reference', message: 'No certificate has this reference' }]
		);
	await recordSuccess(db, reservation);
	return asShown(row.shown);
}
