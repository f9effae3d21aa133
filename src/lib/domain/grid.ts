import type { Grid } from './paper.js';

/* Structured marking grids (DESIGN.md section 6): what a grid lets a marker award, and whether an
   award keeps to it. Pure: the marking screen, the grid view and the bank rules all read grids
   through this module, so a rule is written once.

   - A point is worth up to its marks: a marker may give it any whole number from 0 to its marks
     (partial credit; `partial` says how the marks split, eg "1 for identifying, 1 for explaining").
   - A group's points together score at most the group's cap.
   - An item never scores more than its marks.
   - A levels grid: the marker picks a level, then a mark within the level's range. 0 is always
     allowed (no creditworthy content), also when the lowest level starts at 1. */

export interface GridPoint {
	/** 'p1', 'p2', … in paper order: ungrouped points first (as written), then each group's points. */
	id: string;
	text: string;
	maxMarks: number;
	partial?: string;
	/** The group the point belongs to ('g1', …), or null. */
	groupId: string | null;
}

export interface GridGroup {
	/** 'g1', 'g2', … in paper order. */
	id: string;
	text: string;
	cap: number;
}

export interface GridLevel {
	/** 1 for the lowest level, 2 for the next, … (bands are listed lowest first). */
	index: number;
	min: number;
	max: number;
	descriptor: string;
}

export interface GridView {
	mode: 'points' | 'levels';
	itemMarks: number;
	points: GridPoint[];
	groups: GridGroup[];
	levels: GridLevel[];
	indicative: string[];
	guidance?: string;
}

/** A grid as the marking screen and the grid view use it, with stable ids for points, groups and levels. */
export function gridView(grid: Grid, itemMarks: number): GridView {
	const guidance = grid.guidance?.trim() ? { guidance: grid.guidance.trim() } : {};
	if (grid.mode === 'levels') {
		const levels = [...grid.bands]
			.sort((a, b) => a.min - b.min || a.max - b.max)
			.map((b, i) => ({ index: i + 1, min: b.min, max: b.max, descriptor: b.descriptor }));
		return {
			mode: 'levels',
			itemMarks,
			points: [],
			groups: [],
			levels,
			indicative: [...(grid.indicative ?? [])],
			...guidance
		};
	}
	const points: GridPoint[] = [];
	const groups: GridGroup[] = [];
	const addPoint = (p: { text: string; marks: number; partial?: string }, groupId: string | null) =>
		points.push({
			id: `p${points.length + 1}`,
			text: p.text,
			maxMarks: p.marks,
			...(p.partial ? { partial: p.partial } : {}),
			groupId
		});
	for (const p of grid.points ?? []) addPoint(p, null);
	for (const g of grid.groups ?? []) {
		const id = `g${groups.length + 1}`;
		groups.push({ id, text: g.text, cap: g.cap });
		for (const p of g.points) addPoint(p, id);
	}
	return { mode: 'points', itemMarks, points, groups, levels: [], indicative: [], ...guidance };
}

/** The most a points grid can award once group caps and the item's marks apply. */
export function maxReachable(view: GridView): number {
	if (view.mode === 'levels')
		return Math.min(view.itemMarks, Math.max(0, ...view.levels.map((l) => l.max)));
	let total = 0;
	for (const p of view.points) if (p.groupId === null) total += p.maxMarks;
	for (const g of view.groups) total += Math.min(g.cap, groupSum(view, g.id));
	return Math.min(total, view.itemMarks);
}

/** The marks of a group's points added up, before its cap. */
export function groupSum(view: GridView, groupId: string): number {
	return view.points.filter((p) => p.groupId === groupId).reduce((s, p) => s + p.maxMarks, 0);
}

export type GridAward =
	/** A mark typed directly (any grid). */
	| { kind: 'mark'; mark: number }
	/** Points grid: marks per point id (a point left out scores 0). */
	| { kind: 'points'; awarded: Record<string, number> }
	/** Levels grid: the level's index (GridLevel.index) and a mark within its range. */
	| { kind: 'level'; level: number; mark: number };

/** `mark` is the item's score; `notes` say which caps were applied, for the marker to see. */
export type AwardJudgement =
	{ ok: true; mark: number; notes: string[] } | { ok: false; reason: string };

const plural = (n: number) => `${n} mark${n === 1 ? '' : 's'}`;
const range = (l: GridLevel) => (l.min === l.max ? plural(l.min) : `${l.min}–${l.max} marks`);

/** A mark's own problem (whole number, not below 0), or null. */
function markProblem(mark: unknown): string | null {
	if (typeof mark !== 'number' || !Number.isFinite(mark)) return 'A mark must be a number';
	if (!Number.isInteger(mark)) return 'A mark must be a whole number';
	if (mark < 0) return 'A mark cannot be below 0';
	return null;
}

/**
 * Whether an award keeps to the grid, and the item's mark when it does. Reasons are written for
 * the marker; they do not name the item (callers prefix its label, eg "Question 3(a): …").
 */
export function judgeAward(view: GridView, award: GridAward): AwardJudgement {
	const refuse = (reason: string): AwardJudgement => ({ ok: false, reason });
	const aboveItem = `This item is worth at most ${plural(view.itemMarks)}`;

	if (award.kind === 'mark') {
		const problem = markProblem(award.mark);
		if (problem) return refuse(problem);
		if (award.mark > view.itemMarks) return refuse(aboveItem);
		if (
			view.mode === 'levels' &&
			award.mark > 0 &&
			!view.levels.some((l) => award.mark >= l.min && award.mark <= l.max)
		) {
			return refuse(
				`${plural(award.mark)} is in no level of this grid (${view.levels.map((l) => `level ${l.index}: ${range(l)}`).join('; ')})`
			);
		}
		return { ok: true, mark: award.mark, notes: [] };
	}

	if (award.kind === 'level') {
		if (view.mode !== 'levels') return refuse('This item is marked by points, not levels');
		const level = view.levels.find((l) => l.index === award.level);
		if (!level)
			return refuse(
				`There is no level ${award.level} in this grid (levels 1–${view.levels.length})`
			);
		const problem = markProblem(award.mark);
		if (problem) return refuse(problem);
		if (award.mark > view.itemMarks) return refuse(aboveItem);
		if (award.mark < level.min || award.mark > level.max)
			return refuse(`Level ${level.index} is ${range(level)}`);
		return { ok: true, mark: award.mark, notes: [] };
	}

	if (view.mode !== 'points') return refuse('This item is marked by levels, not points');
	const byId = new Map(view.points.map((p) => [p.id, p]));
	const groupTotals = new Map<string, number>();
	let ungrouped = 0;
	for (const [id, value] of Object.entries(award.awarded)) {
		const point = byId.get(id);
		if (!point) return refuse(`This grid has no point ${id}`);
		const problem = markProblem(value);
		if (problem)
			return refuse(`'${point.text}': ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`);
		if (value > point.maxMarks)
			return refuse(`'${point.text}' is worth at most ${plural(point.maxMarks)}`);
		if (point.groupId === null) ungrouped += value;
		else groupTotals.set(point.groupId, (groupTotals.get(point.groupId) ?? 0) + value);
	}
	const notes: string[] = [];
	let total = ungrouped;
	for (const g of view.groups) {
		const sum = groupTotals.get(g.id) ?? 0;
		if (sum > g.cap) notes.push(`${g.text}: capped at ${g.cap}`);
		total += Math.min(sum, g.cap);
	}
	if (total > view.itemMarks) {
		notes.push(`Total ${total} capped at the item's ${plural(view.itemMarks)}`);
		total = view.itemMarks;
	}
	return { ok: true, mark: total, notes };
}
