import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { approveResults, releaseResults } from '../../src/lib/server/awarding/approval.js';
import { computeSittingResults } from '../../src/lib/server/awarding/compute.js';
import { importBank } from '../../src/lib/server/bank/import.js';
import { loadBank } from '../../src/lib/server/bank/load.js';
import { registerCandidate } from '../../src/lib/server/centres/candidates.js';
import {
	certificatePdf,
	claimCertificates,
	listCertificates,
	readyForCertification,
	verifyCertificate
} from '../../src/lib/server/certificates/index.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import {
	ConflictError,
	TooManyRequestsError,
	ValidationError
} from '../../src/lib/server/errors.js';
import { registrationProgress } from '../../src/lib/server/registrations/progress.js';
import { setQualificationDates } from '../../src/lib/server/registrations/qualifications.js';
import { registerForQualification } from '../../src/lib/server/registrations/register.js';
import { setResitSettings } from '../../src/lib/server/registrations/resit-settings.js';
import { bookSitting } from '../../src/lib/server/sittings/booking.js';
import { validPaper, writeBank } from '../helpers/bank-fixture.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeStaff } from '../helpers/fixtures.js';
import { giveMarks, makeScripts } from '../helpers/marking-fixture.js';
import { allText, readPdf } from '../helpers/pdf-text.js';
import { registerCandidates } from '../helpers/registration-fixture.js';

/*
 * Registrations, bookings, resits and certificates on a real database (issue 15): the booking
 * checks, a resit on a different paper, a withdrawn qualification, a claim made twice at once,
 * and the public check showing only what the certificate prints.
 */
let h: DatabaseHandle;
beforeAll(async () => {
	h = await createTestDatabase();
});
afterAll(() => h.close());

const DAY = 86_400_000;
const FULL = {
	'1': 'Members of the public',
	'2': 'Phone and email',
	'3.a': 'Trust',
	'3.b': 'Listen and apologise'
};
const live = (code: string) => ({
	...validPaper(),
	code,
	title: `Test paper ${code.slice(-1)}`,
	kind: 'live'
});

/** The fixture bank plus a second live paper (B) and a practice paper (P) of unit 8992-111. */
async function secondPaper() {
	await importBank(
		h.db,
		loadBank(
			writeBank({
				papers: [
					live('8992-111-T'),
					live('8992-111-B'),
					{ ...validPaper(), code: '8992-111-P', kind: 'practice' }
				]
			})
		),
		SYSTEM_ACTOR
	);
}

/** A released sitting of 8992-111-T: candidate 0 passes (First Class), 1 fails, 2 is absent. */
async function releasedSitting() {
	const f = await makeScripts(h.db, [FULL, { '1': 'Shoppers' }, {}], { absent: [2] });
	const marker = await makeStaff(h.db, 'marker');
	await giveMarks(h.db, f.scriptOf(0)!.id, marker.id, { '1': 5, '2': 5, '3.a': 4, '3.b': 4 });
	await giveMarks(h.db, f.scriptOf(1)!.id, marker.id, { '1': 2, '2': 1, '3.a': 0, '3.b': 0 });
	await computeSittingResults(h.db, SYSTEM_ACTOR, f.sitting.id, 'computed');
	await approveResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
	await releaseResults(h.db, SYSTEM_ACTOR, f.paperVersionId);
	await secondPaper();
	const booking = (paper: string, i: number, inDays: number) => ({
		paper_code: paper,
		scheduled_at: new Date(Date.now() + inDays * DAY).toISOString(),
		room: 'Room 9',
		invigilator_ids: [f.invigilator.id],
		candidate_ids: [f.candidates[i]!.id]
	});
	return {
		...f,
		booking,
		book: (paper: string, i: number, inDays = 8) =>
			bookSitting(h.db, f.ctx.actor, f.centre.id, booking(paper, i, inDays))
	};
}

const refusal = async (p: Promise<unknown>) => {
	const err = await p.catch((e: unknown) => e);
	expect(err).toBeInstanceOf(Error);
	return (err as Error).message;
};
const sittingsOf = async (centreId: string) =>
	(await h.db.selectFrom('sitting').select('id').where('centre_id', '=', centreId).execute())
		.length;

describe('booking checks', () => {
	it('refuses a practice paper and a candidate not registered for the unit, naming them; books nothing', async () => {
		const f = await releasedSitting();
		const stranger = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0099',
			first_name: 'Una',
			last_name: 'Registered'
		});
		const before = await sittingsOf(f.centre.id);
		expect(await refusal(f.book('8992-111-P', 2))).toBe(
			'A live sitting uses a live paper: a practice paper can be booked only as a mock'
		);
		expect(
			await refusal(
				bookSitting(h.db, f.ctx.actor, f.centre.id, {
					...f.booking('8992-111-T', 0, 8),
					candidate_ids: [stranger.id]
				})
			)
		).toBe(
			'Una Registered (0099) is not registered for a qualification through unit 8992-111: register them for it first.'
		);
		expect(await sittingsOf(f.centre.id)).toBe(before);
		// Registered, they can be booked.
		await registerCandidates(h.db, f.centre.id, [stranger.id]);
		const ok = await bookSitting(h.db, f.ctx.actor, f.centre.id, {
			...f.booking('8992-111-T', 0, 8),
			candidate_ids: [stranger.id]
		});
		expect(ok.bookings).toEqual([
			{
				candidateNumber: '0099',
				name: 'Una Registered (0099)',
				attempt: 1,
				resit: false,
				paperCode: '8992-111-T'
			}
		]);
	});
});

describe('resits', () => {
	it('a failed candidate resits on a different live paper; the paper sat, a pass, too soon and over the limit are refused with the reason', async () => {
		const f = await releasedSitting();
		// The registrations page names the resit's paper.
		const progress = await registrationProgress(h.db, f.centre.id);
		expect(progress.map((p) => [p.candidateNumber, p.next])).toEqual([
			['0001', 'Achieved: First Class Pass on 8992-111-T'],
			[
				'0002',
				expect.stringMatching(
					/^Resit due on 8992-111-B \(attempt 2 of 3\), from \d\d\/\d\d\/\d{4}$/
				)
			],
			['0003', 'Resit due on 8992-111-B (attempt 1 of 3)']
		]);
		expect(await refusal(f.book('8992-111-T', 1))).toBe(
			'Cand2 Test (0002) has already sat 8992-111-T: a resit must be on a different live paper; book them on 8992-111-B.'
		);
		expect(await refusal(f.book('8992-111-B', 0))).toBe(
			'Cand1 Test (0001) has already achieved unit 8992-111 (First Class Pass on 8992-111-T).'
		);
		expect(await refusal(f.book('8992-111-B', 1, 2))).toMatch(
			/^Cand2 Test \(0002\) last sat unit 8992-111 on \d\d\/\d\d\/\d{4}: a resit may be taken from/
		);
		await setResitSettings(h.db, SYSTEM_ACTOR, { max_attempts: '1', min_interval_days: '7' });
		expect(await refusal(f.book('8992-111-B', 1))).toBe(
			'Cand2 Test (0002) has made 1 attempt at unit 8992-111, the most allowed (1).'
		);
		await setResitSettings(h.db, SYSTEM_ACTOR, { max_attempts: '3', min_interval_days: '7' });
		const resit = await f.book('8992-111-B', 1);
		expect(resit.bookings).toMatchObject([
			{ candidateNumber: '0002', attempt: 2, resit: true, paperCode: '8992-111-B' }
		]);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('details')
			.where('action', '=', 'sitting.book')
			.where('subject_id', '=', resit.id)
			.executeTakeFirstOrThrow();
		expect(audit.details).toMatchObject({
			paper: '8992-111-B',
			resits: [{ candidate: '0002', attempt: 2 }]
		});
		// The absent candidate never saw 8992-111-T: it may be their paper again.
		expect((await f.book('8992-111-T', 2)).bookings).toMatchObject([{ attempt: 1, resit: true }]);
	});
});

describe('certification', () => {
	it('a double claim makes one claim; the PDF and the public check show the certificate and nothing more', async () => {
		const f = await releasedSitting();
		const ready = await readyForCertification(h.db, f.centre.id);
		expect(
			ready.map((r) => [r.candidateNumber, r.qualificationNumber, r.grade, r.blocked])
		).toEqual([['0001', '8992-11', 'First Class Pass', null]]);
		const both = await Promise.allSettled([
			claimCertificates(h.db, f.ctx.actor, f.centre.id),
			claimCertificates(h.db, f.ctx.actor, f.centre.id)
		]);
		expect(both.filter((r) => r.status === 'fulfilled').map((r) => r.value.certificates)).toEqual([
			1
		]);
		const rejected = both.find((r) => r.status === 'rejected');
		expect(rejected?.reason).toBeInstanceOf(ConflictError);
		expect(
			await h.db
				.selectFrom('certificate_claim')
				.select('id')
				.where('centre_id', '=', f.centre.id)
				.execute()
		).toHaveLength(1);
		const [cert] = await listCertificates(h.db, f.centre.id);
		expect(cert!.shown.reference).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
		expect(await readyForCertification(h.db, f.centre.id)).toEqual([]);

		const text = allText(await readPdf((await certificatePdf(h.db, f.centre.id, cert!.id)).pdf));
		for (const s of [
			'City & Guilds Level 1 Award in Customer Service',
			'8992-11',
			'500/3682/8',
			'8992-111 Level 1 Principles of Customer Service',
			'First Class Pass',
			'Cand1 Test',
			cert!.shown.reference
		])
			expect(text).toContain(s);

		// Typed in lower case without dashes, the reference still finds it; the answer is the printed fields only.
		const shown = await verifyCertificate(
			h.db,
			cert!.shown.reference.toLowerCase().replace(/-/g, ' '),
			'198.51.100.7'
		);
		expect(shown).toEqual(cert!.shown);
		expect(Object.keys(shown).sort()).toEqual(
			[
				'achievedOn',
				'candidateName',
				'grade',
				'issuedOn',
				'qualificationNumber',
				'qualificationTitle',
				'reference',
				'regulatoryNumber',
				'unit',
				'unitTitle'
			].sort()
		);
		expect(JSON.stringify(shown)).not.toContain('0001');
		expect(JSON.stringify(shown)).not.toContain(f.centre.number);
		await expect(
			verifyCertificate(h.db, 'AAAA-AAAA-AAAA-AAAA', '198.51.100.7')
		).rejects.toBeInstanceOf(ValidationError);
		const audit = await h.db
			.selectFrom('audit_log')
			.select('details')
			.where('action', '=', 'certificate.claim')
			.where('centre_id', '=', f.centre.id)
			.execute();
		expect(audit.map((a) => a.details)).toEqual([
			{
				certificates: [{ candidate: '0001', qualification: '8992-11', grade: 'First Class Pass' }],
				left_out: []
			}
		]);
	});

	it('wrong references are throttled per address', async () => {
		const ip = '203.0.113.44';
		for (let i = 0; i < 20; i++)
			await expect(verifyCertificate(h.db, 'BBBB-BBBB-BBBB-BBBB', ip)).rejects.toBeInstanceOf(
				ValidationError
			);
		await expect(verifyCertificate(h.db, 'BBBB-BBBB-BBBB-BBBB', ip)).rejects.toBeInstanceOf(
			TooManyRequestsError
		);
		// Another address is not held back.
		await expect(
			verifyCertificate(h.db, 'BBBB-BBBB-BBBB-BBBB', '203.0.113.45')
		).rejects.toBeInstanceOf(ValidationError);
	});
});

describe('a withdrawn qualification', () => {
	it('refuses new registrations, but a registered candidate sits and is certificated within the certification window', async () => {
		const f = await releasedSitting();
		const late = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0040',
			first_name: 'Reg',
			last_name: 'Before'
		});
		await registerCandidates(h.db, f.centre.id, [late.id]);
		const newcomer = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0041',
			first_name: 'Too',
			last_name: 'Late'
		});
		// The unit is withdrawn in the bank (status: withdrawn), as 8992-021, -022 and -113 are.
		await h.db
			.updateTable('unit')
			.set({ status: 'withdrawn' })
			.where('code', '=', '8992-111')
			.execute();
		try {
			const err = await registerForQualification(h.db, f.ctx.actor, f.centre.id, {
				candidate_id: newcomer.id,
				route: '8992-11:8992-111'
			}).catch((e: unknown) => e);
			expect(err).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).message).toBe(
				'8992-11 City & Guilds Level 1 Award in Customer Service has been withdrawn and is no longer available for new candidate registrations.'
			);
			expect(
				await h.db
					.selectFrom('registration')
					.select('id')
					.where('candidate_id', '=', newcomer.id)
					.execute()
			).toEqual([]);
			// Registered before the withdrawal: still booked.
			await expect(
				bookSitting(h.db, f.ctx.actor, f.centre.id, {
					...f.booking('8992-111-B', 0, 8),
					candidate_ids: [late.id]
				})
			).resolves.toBeTruthy();
			// Certification closes with the last date for certification, refused with the date.
			await setQualificationDates(h.db, SYSTEM_ACTOR, '8992-11', {
				last_registration_on: '',
				last_certification_on: '2020-01-31'
			});
			expect(await refusal(claimCertificates(h.db, f.ctx.actor, f.centre.id))).toBe(
				'Cand1 Test (0001): The last date for certification for 8992-11 City & Guilds Level 1 Award in Customer Service was 31/01/2020: no certificates can be claimed.'
			);
			await setQualificationDates(h.db, SYSTEM_ACTOR, '8992-11', {
				last_registration_on: '',
				last_certification_on: '2099-12-31'
			});
			expect((await claimCertificates(h.db, f.ctx.actor, f.centre.id)).certificates).toBe(1);
		} finally {
			await h.db
				.updateTable('unit')
				.set({ status: 'current' })
				.where('code', '=', '8992-111')
				.execute();
			await setQualificationDates(h.db, SYSTEM_ACTOR, '8992-11', {
				last_registration_on: '',
				last_certification_on: ''
			});
		}
	});

	it('a last date for registration refuses registrations after it, with the date', async () => {
		const f = await releasedSitting();
		const c = await registerCandidate(h.db, f.ctx.actor, f.centre.id, {
			candidate_number: '0050',
			first_name: 'After',
			last_name: 'Date'
		});
		await setQualificationDates(h.db, SYSTEM_ACTOR, '8992-11', {
			last_registration_on: '2026-01-31',
			last_certification_on: ''
		});
		try {
			expect(
				await refusal(
					registerForQualification(h.db, f.ctx.actor, f.centre.id, {
						candidate_id: c.id,
						route: '8992-11:8992-111'
					})
				)
			).toBe(
				'The last date for registration for 8992-11 City & Guilds Level 1 Award in Customer Service was 31/01/2026: no new registrations.'
			);
		} finally {
			await setQualificationDates(h.db, SYSTEM_ACTOR, '8992-11', {
				last_registration_on: '',
				last_certification_on: ''
			});
		}
		await registerForQualification(h.db, f.ctx.actor, f.centre.id, {
			candidate_id: c.id,
			route: '8992-11:8992-111'
		});
		await expect(
			registerForQualification(h.db, f.ctx.actor, f.centre.id, {
				candidate_id: c.id,
				route: '8992-11:8992-111'
			})
		).rejects.toBeInstanceOf(ConflictError);
	});
});
