import { describe, expect, it } from 'vitest';

import { ukDate } from '../../src/lib/domain/centre-time.js';
import { qualificationOfUnit, QUALIFICATIONS } from '../../src/lib/domain/qualifications.js';
import {
	isDay,
	judgeCertification,
	judgeRegistration,
	type QualificationStanding
} from '../../src/lib/domain/registrations.js';
import {
	DEFAULT_RESIT_SETTINGS,
	judgeBooking,
	papersLeft,
	type BookingCase,
	type PastAttempt
} from '../../src/lib/domain/resits.js';

const current: QualificationStanding = {
	name: '8992-11 City & Guilds Level 1 Award in Customer Service',
	withdrawn: false,
	lastRegistrationOn: null,
	lastCertificationOn: null
};
const withdrawn: QualificationStanding = {
	name: '8992-21 City & Guilds Level 1 Award in Customer Service (Hairdressing route)',
	withdrawn: true,
	lastRegistrationOn: null,
	lastCertificationOn: '2027-03-31'
};

describe('qualifications as the handbook lists them', () => {
	it('five qualifications, each achieved through its one mandatory unit', () => {
		expect(
			QUALIFICATIONS.map((q) => [q.qualification.number, q.qualification.regulatoryNumber, q.units])
		).toEqual([
			['8992-11', '500/3682/8', ['8992-111']],
			['8992-12', '500/3681/6', ['8992-112']],
			['8992-13', '500/3680/4', ['8992-113']],
			['8992-21', '500/3682/8', ['8992-021']],
			['8992-22', '500/3681/6', ['8992-022']]
		]);
		expect(qualificationOfUnit('8992-022')?.qualification.title).toBe(
			'City & Guilds Level 2 Award in Customer Service (Hairdressing route)'
		);
	});
});

describe('registration rules', () => {
	it('a withdrawn qualification refuses new registrations, with the reason', () => {
		expect(judgeRegistration(withdrawn, '2026-11-29')).toBe(
			'8992-21 City & Guilds Level 1 Award in Customer Service (Hairdressing route) has been withdrawn and is no longer available for new candidate registrations.'
		);
		expect(judgeRegistration(current, '2026-11-29')).toBeNull();
	});
	it('the last date for registration is the last day it may be done; after it the refusal gives the date in UK format', () => {
		const q = { ...current, lastRegistrationOn: '2026-11-30' };
		expect(judgeRegistration(q, '2026-11-30')).toBeNull();
		expect(judgeRegistration(q, '2026-12-01')).toContain('was 30/11/2026');
	});
	it('certification: a withdrawn qualification within its window, refused after its last date with the date', () => {
		expect(judgeCertification(withdrawn, '2027-03-31')).toBeNull();
		expect(judgeCertification(withdrawn, '2027-04-01')).toBe(
			'The last date for certification for 8992-21 City & Guilds Level 1 Award in Customer Service (Hairdressing route) was 31/03/2027: no certificates can be claimed.'
		);
		expect(judgeCertification(current, '2099-01-01')).toBeNull();
	});
	it('days: only real calendar days; UK format', () => {
		expect(isDay('2026-02-28')).toBe(true);
		expect(isDay('2026-02-30')).toBe(false);
		expect(isDay('28/02/2026')).toBe(false);
		expect(ukDate('2026-02-28')).toBe('28/02/2026');
	});
});

const DAY = 86_400_000;
const t0 = new Date('2026-11-02T09:00:00Z');
const base: BookingCase = {
	candidate: 'Alex Smith (0001)',
	unitCode: '8992-111',
	paperCode: '8992-111-A',
	registered: true,
	history: [],
	livePapers: ['8992-111-A', '8992-111-B'],
	scheduledAt: new Date(t0.getTime() + 30 * DAY),
	settings: DEFAULT_RESIT_SETTINGS
};
const failedA: PastAttempt = { paperCode: '8992-111-A', sittingAt: t0, outcome: 'Fail' };

describe('booking and resit rules', () => {
	it('a first attempt: registered for the unit, any live paper', () => {
		expect(judgeBooking(base)).toEqual({ ok: true, attempt: 1, resit: false });
	});
	it('not registered for the unit: refused, naming the candidate', () => {
		expect(judgeBooking({ ...base, registered: false })).toEqual({
			ok: false,
			reason:
				'Alex Smith (0001) is not registered for a qualification through unit 8992-111: register them for it first.'
		});
	});
	it('after a released Fail: a resit on a paper not sat; the paper sat is refused naming the one to book', () => {
		expect(judgeBooking({ ...base, history: [failedA], paperCode: '8992-111-B' })).toEqual({
			ok: true,
			attempt: 2,
			resit: true
		});
		expect(judgeBooking({ ...base, history: [failedA] })).toEqual({
			ok: false,
			reason:
				'Alex Smith (0001) has already sat 8992-111-A: a resit must be on a different live paper; book them on 8992-111-B.'
		});
		expect(papersLeft([failedA], base.livePapers)).toEqual(['8992-111-B']);
	});
	it('every live paper sat: refused, none left', () => {
		const history: PastAttempt[] = [
			failedA,
			{ paperCode: '8992-111-B', sittingAt: new Date(t0.getTime() + 10 * DAY), outcome: 'Fail' }
		];
		expect(judgeBooking({ ...base, history })).toEqual({
			ok: false,
			reason:
				'Alex Smith (0001) has sat every live paper of unit 8992-111: no paper is left for a resit.'
		});
	});
	it('absent: booked again on any live paper (never saw it), as a resit that is still attempt 1', () => {
		const history: PastAttempt[] = [{ ...failedA, outcome: 'absent' }];
		expect(judgeBooking({ ...base, history })).toEqual({ ok: true, attempt: 1, resit: true });
	});
	it('a result not released yet, a pass, or a voided attempt: refused with the reason', () => {
		expect(judgeBooking({ ...base, history: [{ ...failedA, outcome: 'pending' }] })).toMatchObject({
			ok: false,
			reason: expect.stringContaining('no released result')
		});
		expect(
			judgeBooking({
				...base,
				paperCode: '8992-111-B',
				history: [{ ...failedA, outcome: 'First Class Pass' }]
			})
		).toEqual({
			ok: false,
			reason:
				'Alex Smith (0001) has already achieved unit 8992-111 (First Class Pass on 8992-111-A).'
		});
		expect(
			judgeBooking({ ...base, paperCode: '8992-111-B', history: [{ ...failedA, outcome: 'void' }] })
		).toMatchObject({
			ok: false,
			reason: expect.stringContaining('declared void')
		});
	});
	it('the limit on attempts and the interval between them, each refused with the reason', () => {
		expect(
			judgeBooking({
				...base,
				paperCode: '8992-111-B',
				history: [failedA],
				settings: { maxAttempts: 1, minIntervalDays: 0 }
			})
		).toEqual({
			ok: false,
			reason: 'Alex Smith (0001) has made 1 attempt at unit 8992-111, the most allowed (1).'
		});
		const soon = new Date(t0.getTime() + 6 * DAY);
		expect(
			judgeBooking({ ...base, paperCode: '8992-111-B', history: [failedA], scheduledAt: soon })
		).toEqual({
			ok: false,
			reason:
				'Alex Smith (0001) last sat unit 8992-111 on 02/11/2026: a resit may be taken from 09/11/2026 (at least 7 days between attempts).'
		});
		expect(
			judgeBooking({
				...base,
				paperCode: '8992-111-B',
				history: [failedA],
				scheduledAt: new Date(t0.getTime() + 7 * DAY)
			})
		).toMatchObject({ ok: true });
	});
});
