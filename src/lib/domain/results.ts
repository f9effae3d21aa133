import {
	AREA_CODES,
	areasForLevel,
	type AreaCode,
	type Level,
	type PerformanceCode
} from './codes.js';
import { paperItems, paperTotal, type Paper } from './paper.js';

/**
 * The result rules of DESIGN.md section 1, as one pure function: grade, then the performance codes
 * a failing candidate gets as feedback. A paper may override each number in its `rules:` block.
 */
export interface ResultRules {
	narrowFailMargin: number;
	attemptedMinShare: number;
	areaMinShare: number;
	maxCodes: number;
}

export type RulesOverride = Partial<{
	narrow_fail_margin: number;
	attempted_min_share: number;
	area_min_share: number;
	max_codes: number;
}>;

export function resolveRules(totalMarks: number, override: RulesOverride = {}): ResultRules {
	return {
		// Default narrow-fail margin: 5% of the paper total, rounded down, at least one mark.
		narrowFailMargin: override.narrow_fail_margin ?? Math.max(1, Math.floor(totalMarks * 0.05)),
		attemptedMinShare: override.attempted_min_share ?? 0.5,
		areaMinShare: override.area_min_share ?? 0.5,
		maxCodes: override.max_codes ?? 4
	};
}

export type Grade = 'First Class Pass' | 'Pass' | 'Fail';

export interface Boundaries {
	pass: number;
	firstClass: number;
}

/** The grade a total earns: at or above first class, at or above pass, or Fail. */
export function gradeOf(total: number, b: Boundaries): Grade {
	return total >= b.firstClass ? 'First Class Pass' : total >= b.pass ? 'Pass' : 'Fail';
}

/** How many of `totals` earn each grade. */
export function gradeCounts(totals: readonly number[], b: Boundaries): Record<Grade, number> {
	const counts: Record<Grade, number> = { Fail: 0, Pass: 0, 'First Class Pass': 0 };
	for (const t of totals) counts[gradeOf(t, b)]++;
	return counts;
}

/** A candidate's result: graded, or absent / voided (which carry that status and no grade). */
export type ResultStatus = 'graded' | 'absent' | 'void';
/** Why a result version was written: marking finished, the boundaries moved before approval, a review of marking. */
export type ResultCause = 'computed' | 'boundaries' | 'review';

export interface ResultItem {
	key: string;
	maxMarks: number;
	area: AreaCode;
}

export interface ItemMark {
	mark: number;
	/** The candidate gave a non-blank answer. */
	attempted: boolean;
	/** A marker flagged misinterpretation of the question. */
	fk: boolean;
}

export interface ResultInput {
	level: Level;
	items: readonly ResultItem[];
	boundaries: { pass: number; firstClass: number };
	rules: ResultRules;
}

export interface AreaProfile {
	area: AreaCode;
	scored: number;
	available: number;
}

export interface ResultOutcome {
	total: number;
	grade: Grade;
	codes: PerformanceCode[];
	profile: AreaProfile[];
}

/** Items with no entry in `marks` count as not attempted, 0 marks. */
export function applyResultRules(
	input: ResultInput,
	marks: Readonly<Record<string, ItemMark>>
): ResultOutcome {
	const { items, boundaries, rules } = input;
	const paperTotal = items.reduce((s, i) => s + i.maxMarks, 0);
	const markOf = (key: string): ItemMark => marks[key] ?? { mark: 0, attempted: false, fk: false };
	const total = items.reduce((s, i) => s + markOf(i.key).mark, 0);

	const validAreas = areasForLevel(input.level);
	const profile: AreaProfile[] = AREA_CODES.filter((a) => validAreas.includes(a))
		.map((area) => {
			const inArea = items.filter((i) => i.area === area);
			return {
				area,
				available: inArea.reduce((s, i) => s + i.maxMarks, 0),
				scored: inArea.reduce((s, i) => s + markOf(i.key).mark, 0)
			};
		})
		.filter((p) => p.available > 0);

	const grade = gradeOf(total, boundaries);
	if (grade !== 'Fail') return { total, grade, codes: [], profile };

	const letters: PerformanceCode[] = [];
	if (total >= boundaries.pass - rules.narrowFailMargin) letters.push('AA');
	const attemptedMax = items
		.filter((i) => markOf(i.key).attempted)
		.reduce((s, i) => s + i.maxMarks, 0);
	if (attemptedMax < rules.attemptedMinShare * paperTotal) letters.push('AB');
	if (items.some((i) => markOf(i.key).fk)) letters.push('FK');
	const weakestFirst = [...profile].sort(
		(a, b) =>
			a.scored / a.available - b.scored / b.available ||
			AREA_CODES.indexOf(a.area) - AREA_CODES.indexOf(b.area)
	);
	const weak = weakestFirst.filter((p) => p.scored < rules.areaMinShare * p.available);
	// Every Fail names at least one area (the handbook's feedback on "the main areas for further
	// development"): with none below the threshold, the weakest area is named.
	const areas = (weak.length > 0 ? weak : weakestFirst.slice(0, 1)).map((p) => p.area);
	return { total, grade, codes: capCodes(letters, areas, rules.maxCodes), profile };
}

/**
 * At most `maxCodes` codes, cut from the end; the first area code always stays, taking the last
 * letter code's place when the letters alone would fill the cap.
 */
export function capCodes(
	letters: readonly PerformanceCode[],
	areas: readonly AreaCode[],
	maxCodes: number
): PerformanceCode[] {
	const room = Math.max(1, maxCodes);
	const codes: PerformanceCode[] = [...letters, ...areas].slice(0, room);
	if (areas.length > 0 && !codes.includes(areas[0]!)) codes[codes.length - 1] = areas[0]!;
	return codes;
}

/* ---------- from marking ---------- */

/**
 * The result rules' view of one script: each item's final mark and FK flag (from marking) and
 * whether it was attempted, which is decided by the stored answer, never by the mark. A blank
 * answer counts 0 whatever mark is stored (one given before the server refused them).
 */
export function itemMarksFrom(
	items: readonly ResultItem[],
	finals: ReadonlyMap<string, { mark: number; fk: boolean }>,
	isAttempted: (itemKey: string) => boolean
): Record<string, ItemMark> {
	return Object.fromEntries(
		items.map((i) => {
			const f = finals.get(i.key);
			const attempted = isAttempted(i.key);
			return [i.key, { mark: attempted ? (f?.mark ?? 0) : 0, attempted, fk: f?.fk ?? false }];
		})
	);
}

/** How many candidates change grade when the boundaries move (the awarding preview). */
export function gradeChanges(totals: readonly number[], from: Boundaries, to: Boundaries) {
	let up = 0;
	let down = 0;
	const order: Grade[] = ['Fail', 'Pass', 'First Class Pass'];
	for (const t of totals) {
		const d = order.indexOf(gradeOf(t, to)) - order.indexOf(gradeOf(t, from));
		if (d > 0) up++;
		else if (d < 0) down++;
	}
	return { up, down, changed: up + down };
}

/* ---------- awarding ---------- */

/** Where a paper version's awarding stands, from its ended sittings' results. */
export type AwardingState = 'no_sittings' | 'marking' | 'computed' | 'approved' | 'released';

export interface SittingResultsStatus {
	computedAt: Date | null;
	approvedAt: Date | null;
	releasedAt: Date | null;
}

/**
 * Released once every sitting's results are; approved once any sitting's are (approval locks the
 * version's boundaries for all of them); computed once every sitting's are; marking until then.
 */
export function awardingStateOf(sittings: readonly SittingResultsStatus[]): AwardingState {
	if (sittings.length === 0) return 'no_sittings';
	if (sittings.every((s) => s.releasedAt)) return 'released';
	if (sittings.some((s) => s.approvedAt)) return 'approved';
	if (sittings.every((s) => s.computedAt)) return 'computed';
	return 'marking';
}

/* ---------- from a paper and a marks file ---------- */

export function resultInputFor(
	paper: Paper,
	level: Level,
	boundaries?: { pass: number; firstClass: number }
): ResultInput {
	return {
		level,
		items: paperItems(paper).map((i) => ({ key: i.key, maxMarks: i.marks, area: i.area })),
		boundaries: boundaries ?? {
			pass: paper.boundaries.pass,
			firstClass: paper.boundaries.first_class
		},
		rules: resolveRules(paperTotal(paper), paper.rules)
	};
}

export type MarksParse =
	{ ok: true; marks: Record<string, ItemMark> } | { ok: false; problems: string[] };

/**
 * Checks a marks file `{"marks": {"3": {"mark": 2, "attempted": true, "fk": false}, "7.a": …}}`
 * against a paper's items: unknown ids, marks above the item's maximum, negative or fractional
 * marks are refused, each named.
 */
export function parseMarks(data: unknown, items: readonly ResultItem[]): MarksParse {
	const problems: string[] = [];
	const marksObj = (data as { marks?: unknown } | null)?.marks;
	if (!marksObj || typeof marksObj !== 'object' || Array.isArray(marksObj)) {
		return {
			ok: false,
			problems: ['the file must be an object with a "marks" object: {"marks": {"1": {"mark": 2}}}']
		};
	}
	const byKey = new Map(items.map((i) => [i.key, i]));
	const marks: Record<string, ItemMark> = {};
	for (const [key, raw] of Object.entries(marksObj as Record<string, unknown>)) {
		const item = byKey.get(key);
		if (!item) {
			const parts = items.filter((i) => i.key.startsWith(`${key}.`)).map((i) => i.key);
			problems.push(
				parts.length
					? `question ${key} has parts; give marks for ${parts.join(', ')}`
					: `unknown question id "${key}"`
			);
			continue;
		}
		const entry = (raw ?? {}) as { mark?: unknown; attempted?: unknown; fk?: unknown };
		const mark = entry.mark;
		if (typeof mark !== 'number' || !Number.isInteger(mark)) {
			problems.push(`${key}: mark must be a whole number, got ${JSON.stringify(mark)}`);
			continue;
		}
		if (mark < 0) problems.push(`${key}: mark ${mark} is negative`);
		else if (mark > item.maxMarks)
			problems.push(`${key}: mark ${mark} is above the maximum of ${item.maxMarks}`);
		for (const flag of ['attempted', 'fk'] as const) {
			if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean')
				problems.push(`${key}: ${flag} must be true or false`);
		}
		// A mark above zero means something was written; "attempted" defaults accordingly.
		marks[key] = {
			mark,
			attempted: typeof entry.attempted === 'boolean' ? entry.attempted : mark > 0,
			fk: entry.fk === true
		};
	}
	return problems.length ? { ok: false, problems } : { ok: true, marks };
}
