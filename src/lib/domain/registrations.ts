/**
 * Registration and certification rules (issue 15; handbook "Qualification at a glance": withdrawn
 * qualifications take no new registrations, but registered candidates "will be granted a period of
 * time to complete the qualification and achieve certification"). Pure: `today` is passed in, as a
 * calendar day in the centres' time zone ('YYYY-MM-DD').
 */

import { ukDate } from './centre-time.js';

/** 'YYYY-MM-DD' */
export type Day = string;

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day ('2026-02-30' is not). */
export function isDay(s: string): boolean {
	if (!DAY_PATTERN.test(s)) return false;
	const d = new Date(`${s}T00:00:00Z`);
	return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export interface QualificationStanding {
	/** "8992-21 City & Guilds Level 1 Award in Customer Service (Hairdressing route)" */
	name: string;
	/** The unit's status in the bank: 'withdrawn' refuses new registrations. */
	withdrawn: boolean;
	lastRegistrationOn: Day | null;
	lastCertificationOn: Day | null;
}

/** Why a new registration is refused, or null when it may go ahead. A last date is the last day it may be done. */
export function judgeRegistration(q: QualificationStanding, today: Day): string | null {
	if (q.withdrawn)
		return `${q.name} has been withdrawn and is no longer available for new candidate registrations.`;
	if (q.lastRegistrationOn && today > q.lastRegistrationOn)
		return `The last date for registration for ${q.name} was ${ukDate(q.lastRegistrationOn)}: no new registrations.`;
	return null;
}

/**
 * Why a certificate may not be claimed today, or null. Withdrawn or not, the qualification's last
 * date for certification closes its window; a withdrawn qualification is still certificated within it.
 */
export function judgeCertification(q: QualificationStanding, today: Day): string | null {
	if (q.lastCertificationOn && today > q.lastCertificationOn)
		return `The last date for certification for ${q.name} was ${ukDate(q.lastCertificationOn)}: no certificates can be claimed.`;
	return null;
}

/** The grades that achieve the unit, and so the award (handbook: "Assessments will be graded Pass or First Class Pass"). */
export const ACHIEVING_GRADES = ['Pass', 'First Class Pass'] as const;
export type AchievingGrade = (typeof ACHIEVING_GRADES)[number];
export function isAchievingGrade(g: string | null | undefined): g is AchievingGrade {
	return (ACHIEVING_GRADES as readonly string[]).includes(g ?? '');
}
