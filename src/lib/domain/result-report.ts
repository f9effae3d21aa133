import type { Grade, ResultStatus } from './results.js';

/**
 * What a centre's results page, CSV and slips say about a result, in one place: the outcome in
 * words, the grade distribution, and the date range a centre asks for.
 */

/** A result as the centre reads it: the grade, or the status when there is none. */
export function outcomeWords(r: { status: ResultStatus; grade: Grade | null }): string {
	if (r.status === 'absent') return 'Absent';
	if (r.status === 'void') return 'Void';
	return r.grade ?? '';
}

/** The outcomes in the order the chart and the tables give them. */
export const OUTCOMES = ['First Class Pass', 'Pass', 'Fail', 'Absent', 'Void'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface DistributionBar {
	outcome: Outcome;
	count: number;
	/** Of all candidates in the sitting, 0–100, rounded to a whole number. */
	percent: number;
}

/** How many candidates had each outcome: every outcome listed, zeros included, so the chart's axis never moves. */
export function gradeDistribution(
	rows: readonly { status: ResultStatus; grade: Grade | null }[]
): DistributionBar[] {
	const total = rows.length;
	return OUTCOMES.map((outcome) => {
		const count = rows.filter((r) => outcomeWords(r) === outcome).length;
		return { outcome, count, percent: total ? Math.round((count / total) * 100) : 0 };
	});
}

/** A sentence for the chart's text alternative: "3 candidates: 1 First Class Pass (33%), …". */
export function distributionSummary(bars: readonly DistributionBar[]): string {
	const total = bars.reduce((s, b) => s + b.count, 0);
	const parts = bars
		.filter((b) => b.count > 0)
		.map((b) => `${b.count} ${b.outcome} (${b.percent}%)`);
	return `${total} ${total === 1 ? 'candidate' : 'candidates'}${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

export interface DateRange {
	/** Inclusive, YYYY-MM-DD. */
	from: string;
	to: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function realDay(s: string): boolean {
	const m = DAY.exec(s);
	if (!m) return false;
	const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
	return (
		d.getUTCFullYear() === Number(m[1]) &&
		d.getUTCMonth() === Number(m[2]) - 1 &&
		d.getUTCDate() === Number(m[3]) &&
		Number(m[1]) >= 2000 &&
		Number(m[1]) < 2100
	);
}

/**
 * A date range from a form (`from`, `to`, either may be empty: open-ended). Returns the range, or a
 * message saying what is wrong. Empty both → all dates.
 */
export function parseDateRange(
	from: string | null,
	to: string | null
): { ok: true; range: Partial<DateRange> } | { ok: false; message: string } {
	const f = (from ?? '').trim();
	const t = (to ?? '').trim();
	if (f && !realDay(f))
		return { ok: false, message: 'Enter the "from" date as a real date, for example 2026-11-01' };
	if (t && !realDay(t))
		return { ok: false, message: 'Enter the "to" date as a real date, for example 2026-11-30' };
	if (f && t && f > t)
		return { ok: false, message: 'The "from" date must not be after the "to" date' };
	return { ok: true, range: { ...(f ? { from: f } : {}), ...(t ? { to: t } : {}) } };
}
