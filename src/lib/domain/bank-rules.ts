import { areasForLevel, type AreaCode, type Level } from './codes.js';
import { gridView, groupSum, maxReachable } from './grid.js';
import type { Grid, Paper, Question, Unit } from './paper.js';

/** A problem found in a bank file; `question` is "7" or "7(b)" when it concerns one. */
export interface BankProblem {
	question?: string;
	message: string;
}

/** The minimum share of a paper's marks each area valid for the level must carry. */
export const MIN_AREA_SHARE = 0.1;

/**
 * The five 8992 units of the handbook (DESIGN.md section 1): level, route and exam time are fixed.
 * Other unit codes (test units such as 8992-901) are not checked against this table.
 */
export const HANDBOOK_UNITS: Readonly<
	Record<
		string,
		{ level: Level; route: 'general' | 'hairdressing'; duration: number; reading: number }
	>
> = {
	'8992-111': { level: 1, route: 'general', duration: 60, reading: 5 },
	'8992-021': { level: 1, route: 'hairdressing', duration: 60, reading: 5 },
	'8992-112': { level: 2, route: 'general', duration: 90, reading: 5 },
	'8992-022': { level: 2, route: 'hairdressing', duration: 90, reading: 5 },
	'8992-113': { level: 3, route: 'general', duration: 120, reading: 5 }
};

export function checkUnit(unit: Unit): BankProblem[] {
	const problems: BankProblem[] = [];
	const handbook = HANDBOOK_UNITS[unit.unit];
	if (handbook) {
		if (unit.level !== handbook.level)
			problems.push({
				message: `level is ${unit.level}; the handbook has ${unit.unit} at level ${handbook.level}`
			});
		if (unit.route !== handbook.route)
			problems.push({
				message: `route is ${unit.route}; the handbook has ${unit.unit} on the ${handbook.route} route`
			});
		if (unit.exam.duration_minutes !== handbook.duration) {
			problems.push({
				message: `exam duration_minutes is ${unit.exam.duration_minutes}; the handbook examines ${unit.unit} in ${handbook.duration} minutes`
			});
		}
		if (unit.exam.reading_minutes !== handbook.reading) {
			problems.push({
				message: `exam reading_minutes is ${unit.exam.reading_minutes}; the handbook allows ${handbook.reading} minutes' reading for ${unit.unit}`
			});
		}
	}
	const valid = areasForLevel(unit.level as Level);
	const seen = new Set<string>();
	for (const o of unit.outcomes) {
		for (const c of o.criteria) {
			if (seen.has(c.id)) problems.push({ message: `criterion ${c.id} appears more than once` });
			seen.add(c.id);
			if (!c.id.startsWith(`AC${o.id.slice(2)}.`))
				problems.push({ message: `criterion ${c.id} is listed under ${o.id}` });
			if (!valid.includes(c.area))
				problems.push({
					message: `criterion ${c.id} has area ${c.area}, not valid at level ${unit.level} (${valid.join(' ')})`
				});
		}
	}
	return problems;
}

/**
 * What is wrong with a grid for an item worth `marks`, or [] when nothing is. A points grid must be
 * able to reach the item's marks once its group caps apply, and each cap must be able to bite; a
 * levels grid's bands are listed lowest first, never overlap or leave a gap, start at 0 or 1 and
 * end at the item's marks.
 */
export function gridProblems(grid: Grid, marks: number): string[] {
	const problems: string[] = [];
	const marksText = (n: number) => `${n} mark${n === 1 ? '' : 's'}`;
	if (grid.mode === 'points') {
		const view = gridView(grid, marks);
		for (const p of view.points) {
			if (p.maxMarks > marks)
				problems.push(
					`point "${p.text}" is worth up to ${marksText(p.maxMarks)}, more than the item's ${marksText(marks)}`
				);
		}
		for (const g of view.groups) {
			const sum = groupSum(view, g.id);
			if (g.cap > sum)
				problems.push(
					`group "${g.text}" has a cap of ${g.cap} but its points add up to only ${sum}`
				);
			if (g.cap > marks)
				problems.push(
					`group "${g.text}" has a cap of ${g.cap}, more than the item's ${marksText(marks)}`
				);
		}
		const uncapped = view.points.reduce((s, p) => s + p.maxMarks, 0);
		const reachable = maxReachable({ ...view, itemMarks: Number.MAX_SAFE_INTEGER });
		if (reachable < marks) {
			problems.push(
				reachable === uncapped
					? `grid cannot reach ${marks} marks: its points add up to ${uncapped}`
					: `grid cannot reach ${marks} marks: once its group caps apply its points add up to ${reachable}`
			);
		}
		return problems;
	}
	const bands = grid.bands;
	const range = (b: { min: number; max: number }) => `${b.min}–${b.max}`;
	for (const b of bands)
		if (b.min > b.max) problems.push(`band ${range(b)} has its minimum above its maximum`);
	for (let i = 1; i < bands.length; i++) {
		const prev = bands[i - 1]!;
		const b = bands[i]!;
		if (b.min < prev.min)
			problems.push(
				`band ${range(b)} is listed after band ${range(prev)}; list bands from the lowest to the highest`
			);
		else if (b.min <= prev.max) problems.push(`bands ${range(prev)} and ${range(b)} overlap`);
		else if (b.min > prev.max + 1)
			problems.push(`bands leave a gap between ${prev.max} and ${b.min}`);
	}
	if (problems.length > 0) return problems;
	if (bands[0]!.min > 1)
		problems.push(`bands start at ${bands[0]!.min}; marks 1–${bands[0]!.min - 1} have no band`);
	const top = bands[bands.length - 1]!.max;
	if (top < marks) problems.push(`grid cannot reach ${marks} marks: the top band ends at ${top}`);
	if (top > marks)
		problems.push(`the top band ends at ${top}, above the item's ${marksText(marks)}`);
	return problems;
}

/** Every rule of docs/question-bank.md that needs the paper and its unit. */
export function checkPaper(paper: Paper, unit: Unit): BankProblem[] {
	const problems: BankProblem[] = [];
	const add = (message: string, question?: string) =>
		problems.push(question ? { question, message } : { message });
	const level = unit.level as Level;
	const valid = areasForLevel(level);
	const criteria = new Set(unit.outcomes.flatMap((o) => o.criteria.map((c) => c.id)));

	if (!paper.code.startsWith(`${paper.unit}-`))
		add(`paper code ${paper.code} does not start with its unit ${paper.unit}`);
	if (paper.duration_minutes !== unit.exam.duration_minutes) {
		add(
			`duration_minutes is ${paper.duration_minutes}; unit ${unit.unit} is examined in ${unit.exam.duration_minutes} minutes`
		);
	}
	if (paper.reading_minutes !== unit.exam.reading_minutes) {
		add(
			`reading_minutes is ${paper.reading_minutes}; unit ${unit.unit} allows ${unit.exam.reading_minutes} minutes' reading`
		);
	}

	const checkArea = (a: AreaCode | undefined, label: string) => {
		if (!a) add('has no area (give the item or its question an area)', label);
		else if (!valid.includes(a))
			add(`area ${a} is not valid at level ${level} (valid: ${valid.join(' ')})`, label);
	};
	const checkCriteria = (list: string[] | undefined, label: string) => {
		if (!list || list.length === 0) add('has no criteria', label);
		for (const c of list ?? [])
			if (!criteria.has(c)) add(`criterion ${c} is not in unit ${unit.unit}`, label);
	};

	const questionIds = new Set<string>();
	let total = 0;
	const byArea = new Map<AreaCode, number>();
	const usedCriteria = new Set<string>();
	for (const section of paper.sections) {
		for (const q of section.questions) {
			if (questionIds.has(q.id)) add(`duplicate question id "${q.id}"`, q.id);
			questionIds.add(q.id);
			total += checkQuestion(q);
		}
	}

	function checkQuestion(q: Question): number {
		if (!q.parts) {
			if (q.marks === undefined) add('has no marks', q.id);
			if (!q.grid) add('has no grid', q.id);
			checkArea(q.area, q.id);
			checkCriteria(q.criteria, q.id);
			if (q.grid && q.marks !== undefined)
				for (const g of gridProblems(q.grid, q.marks)) add(g, q.id);
			if (q.area && q.marks) byArea.set(q.area, (byArea.get(q.area) ?? 0) + q.marks);
			q.criteria?.forEach((c) => usedCriteria.add(c));
			return q.marks ?? 0;
		}
		if (q.grid) add('has parts and its own grid; put grids on the parts', q.id);
		// The question's own area and criteria, when given, must be valid too (the area is what its
		// parts inherit; it is reported once, here, not again on each part that inherits it).
		if (q.area !== undefined) checkArea(q.area, q.id);
		for (const c of q.criteria ?? [])
			if (!criteria.has(c)) add(`criterion ${c} is not in unit ${unit.unit}`, q.id);
		const partIds = new Set<string>();
		let sum = 0;
		for (const p of q.parts) {
			const label = `${q.id}(${p.id})`;
			if (partIds.has(p.id)) add(`duplicate part id "${p.id}"`, label);
			partIds.add(p.id);
			const a = p.area ?? q.area;
			if (p.area !== undefined || q.area === undefined) checkArea(p.area, label);
			checkCriteria(p.criteria, label);
			for (const g of gridProblems(p.grid, p.marks)) add(g, label);
			if (a) byArea.set(a, (byArea.get(a) ?? 0) + p.marks);
			p.criteria.forEach((c) => usedCriteria.add(c));
			sum += p.marks;
		}
		if (q.marks !== undefined && q.marks !== sum)
			add(`marks are ${q.marks} but its parts add up to ${sum}`, q.id);
		return sum;
	}

	// Every exam is short-answer questions plus scenario-based tasks (DESIGN.md section 1), and the
	// scenario tasks are set in the paper's case study.
	const types = new Set(paper.sections.flatMap((s) => s.questions.map((q) => q.type)));
	if (!types.has('short_answer'))
		add(
			'has no short-answer question (every paper needs at least one question of type short_answer)'
		);
	if (!types.has('scenario'))
		add('has no scenario question (every paper needs at least one question of type scenario)');
	if (types.has('scenario') && !paper.case_study?.trim())
		add('has scenario questions but no case_study for them to be set in');

	const { pass, first_class } = paper.boundaries;
	if (!boundariesAreValid(pass, first_class, total)) {
		add(
			`boundaries must satisfy 0 < pass < first_class <= total marks (${total}); got pass ${pass}, first_class ${first_class}`
		);
	}
	for (const o of unit.outcomes) {
		if (!o.criteria.some((c) => usedCriteria.has(c.id)))
			add(`learning outcome ${o.id} is not assessed by any item`);
	}
	if (total > 0) {
		for (const a of valid) {
			const m = byArea.get(a) ?? 0;
			if (m < MIN_AREA_SHARE * total)
				add(`area ${a} carries ${m} of ${total} marks, less than ${MIN_AREA_SHARE * 100}%`);
		}
	}
	return problems;
}

/** Grade boundaries a paper can have: 0 < pass < first class ≤ the paper's total (the import and the boundary form both ask this). */
export function boundariesAreValid(pass: number, firstClass: number, totalMarks: number): boolean {
	return pass > 0 && pass < firstClass && firstClass <= totalMarks;
}

/** How far a unit's live papers, taken together, assess its criteria (`bank check` wants all of them). */
export interface UnitCoverage {
	unit: string;
	/** Codes of the unit's live papers that passed their own checks, in the order given. */
	livePapers: string[];
	/** Every criterion id of the unit, in handbook order. */
	criteria: string[];
	/** Criteria that no live paper assesses, in handbook order. */
	missing: string[];
	/** Live papers that leave an outcome unassessed, with those outcomes (checkPaper refuses such a
	 *  paper as well; kept here so the unit's summary says which paper falls short). */
	outcomeGaps: { paper: string; outcomes: string[] }[];
}

/**
 * A resit must meet a different live paper of the same standard, so every assessment criterion of
 * the unit is assessed by at least one live paper (practice papers do not count: a candidate never
 * sits them for a result), and every live paper assesses every learning outcome.
 */
export function unitCoverage(unit: Unit, papers: readonly Paper[]): UnitCoverage {
	const live = papers.filter((p) => p.unit === unit.unit && p.kind === 'live');
	const criteriaOf = (p: Paper) => {
		const used = new Set<string>();
		for (const s of p.sections) {
			for (const q of s.questions) {
				q.criteria?.forEach((c) => used.add(c));
				q.parts?.forEach((part) => part.criteria.forEach((c) => used.add(c)));
			}
		}
		return used;
	};
	const usedByPaper = live.map((p) => ({ code: p.code, used: criteriaOf(p) }));
	const criteria = unit.outcomes.flatMap((o) => o.criteria.map((c) => c.id));
	return {
		unit: unit.unit,
		livePapers: live.map((p) => p.code),
		criteria,
		missing: criteria.filter((c) => !usedByPaper.some((p) => p.used.has(c))),
		outcomeGaps: usedByPaper
			.map(({ code, used }) => ({
				paper: code,
				outcomes: unit.outcomes
					.filter((o) => !o.criteria.some((c) => used.has(c.id)))
					.map((o) => o.id)
			}))
			.filter((g) => g.outcomes.length > 0)
	};
}

/** Why a unit's coverage falls short, one message each; [] when every criterion and outcome is assessed. */
export function coverageProblems(c: UnitCoverage): string[] {
	const problems: string[] = [];
	if (c.livePapers.length === 0) {
		problems.push(
			`unit ${c.unit} has no live paper, so none of its ${c.criteria.length} assessment criteria is assessed`
		);
		return problems;
	}
	if (c.missing.length > 0) {
		problems.push(
			`unit ${c.unit}: ${c.missing.join(', ')} ${c.missing.length === 1 ? 'is' : 'are'} not assessed by any live paper (live: ${c.livePapers.join(', ')})`
		);
	}
	for (const g of c.outcomeGaps)
		problems.push(`unit ${c.unit}: live paper ${g.paper} does not assess ${g.outcomes.join(', ')}`);
	return problems;
}
