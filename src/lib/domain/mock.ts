import { gradeOf, type Boundaries, type Grade } from './results.js';

/*
 * Mocks (issue 15 item 5; the handbook: "sample assessments and marking grids are available to
 * centres"): a centre sits a practice paper as a rehearsal and marks it itself against the paper's
 * grid. Pure rules: which paper a sitting of each purpose may use, and what a mock's marks add up to.
 */

export const SITTING_PURPOSES = ['live', 'mock'] as const;
export type SittingPurpose = (typeof SITTING_PURPOSES)[number];
export type PaperKind = 'live' | 'practice';

export const PURPOSE_LABELS: Record<SittingPurpose, string> = {
	live: 'Live exam (marked by the awarding body)',
	mock: "Mock (a practice exam, marked by the centre's own staff)"
};

/** The words every mock total and grade carries, so nobody reads it as the awarding body's result. */
export const MOCK_LABEL = 'Mock – not a result';

/**
 * Why a sitting of this purpose may not use a paper of this kind, or null when it may. A live
 * sitting uses only a live paper (a practice paper and its grid are public to centres, so it can
 * assess nothing); a mock uses only a practice paper (a live paper and its grid never reach a centre).
 */
export function paperPurposeProblem(purpose: SittingPurpose, kind: PaperKind): string | null {
	if (purpose === 'mock' && kind !== 'practice')
		return 'A mock uses a practice paper: live papers and their grids are never shown to centres';
	if (purpose === 'live' && kind !== 'live')
		return 'A live sitting uses a live paper: a practice paper can be booked only as a mock';
	return null;
}

export interface MockItemMark {
	key: string;
	maxMarks: number;
	mark: number | null;
}

export interface MockTotal {
	total: number;
	maxTotal: number;
	marked: number;
	items: number;
	/** The grade the total would earn with the paper's boundaries; null until every item has a mark. */
	indicativeGrade: Grade | null;
}

/**
 * A mock attempt's total and indicative grade. The grade waits for every item's mark: a grade from
 * half a script would read as a Fail it is not.
 */
export function mockTotal(items: readonly MockItemMark[], boundaries: Boundaries): MockTotal {
	const marked = items.filter((i) => i.mark !== null);
	const total = marked.reduce((t, i) => t + (i.mark ?? 0), 0);
	return {
		total,
		maxTotal: items.reduce((t, i) => t + i.maxMarks, 0),
		marked: marked.length,
		items: items.length,
		indicativeGrade:
			items.length > 0 && marked.length === items.length ? gradeOf(total, boundaries) : null
	};
}
