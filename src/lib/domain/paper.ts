import { AREA_CODES, type AreaCode, type Level } from './codes.js';
import { z } from './zod.js';

/* The question-bank format (docs/question-bank.md), as schemas. Parsing checks shapes and types;
   the rules that need the unit or the whole paper are in bank-rules.ts. Every object is strict: an
   unknown key (a typo such as `guidence:`) is refused, never silently dropped. */

const text = z.string().trim().min(1);
const area = z.enum(AREA_CODES);
const id = z
	.union([z.string(), z.number()])
	.transform(String)
	.pipe(z.string().regex(/^[A-Za-z0-9]+$/, 'ids are letters and digits'));
const marks = z.number().int().min(1).max(100);

export const unitSchema = z.strictObject({
	unit: z.string().regex(/^8992-\d{3}$/, 'unit code looks like 8992-111'),
	title: text,
	level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
	route: z.enum(['general', 'hairdressing']),
	status: z.enum(['current', 'withdrawn']),
	exam: z.strictObject({
		duration_minutes: z.number().int().positive(),
		reading_minutes: z.number().int().min(0)
	}),
	outcomes: z
		.array(
			z.strictObject({
				id: z.string().regex(/^LO\d+$/),
				title: text,
				criteria: z
					.array(z.strictObject({ id: z.string().regex(/^AC\d+\.\d+$/), text: text, area }))
					.min(1)
			})
		)
		.min(1)
});
export type Unit = z.output<typeof unitSchema>;

/** A grid point: worth up to `marks` (partial credit 0…marks); `partial` says how the marks split. */
const gridPoint = z.strictObject({
	text: text,
	marks: z.number().int().min(1),
	partial: text.optional()
});
/** Points that together score at most `cap`, however many of them the answer makes. */
const gridGroup = z.strictObject({
	text: text,
	cap: z.number().int().min(1),
	points: z.array(gridPoint).min(1)
});
const pointsGrid = z
	.strictObject({
		mode: z.literal('points'),
		points: z.array(gridPoint).optional(),
		groups: z.array(gridGroup).min(1).optional(),
		guidance: z.string().optional()
	})
	.refine((g) => (g.points?.length ?? 0) > 0 || (g.groups?.length ?? 0) > 0, {
		message: 'a points grid needs points, groups or both',
		path: ['points']
	});
const levelsGrid = z.strictObject({
	mode: z.literal('levels'),
	bands: z
		.array(
			z.strictObject({
				min: z.number().int().min(0),
				max: z.number().int().min(0),
				descriptor: text
			})
		)
		.min(1),
	indicative: z.array(text).optional(),
	guidance: z.string().optional()
});
export const gridSchema = z.discriminatedUnion('mode', [pointsGrid, levelsGrid]);
export type Grid = z.output<typeof gridSchema>;

const partSchema = z.strictObject({
	id,
	stem: text,
	marks,
	area: area.optional(),
	criteria: z.array(z.string()).min(1),
	grid: gridSchema
});

const questionSchema = z.strictObject({
	id,
	type: z.enum(['short_answer', 'scenario']),
	stem: text,
	marks: marks.optional(),
	area: area.optional(),
	criteria: z.array(z.string()).optional(),
	grid: gridSchema.optional(),
	parts: z.array(partSchema).min(1).optional()
});
export type Question = z.output<typeof questionSchema>;

export const rulesSchema = z
	.object({
		narrow_fail_margin: z.number().int().min(0).optional(),
		attempted_min_share: z.number().min(0).max(1).optional(),
		area_min_share: z.number().min(0).max(1).optional(),
		max_codes: z.number().int().min(0).max(10).optional()
	})
	.strict();

export const paperSchema = z.strictObject({
	code: z.string().regex(/^8992-\d{3}-[A-Z0-9]+$/, 'paper code looks like 8992-111-A'),
	unit: z.string(),
	title: text,
	kind: z.enum(['live', 'practice']),
	duration_minutes: z.number().int().positive(),
	reading_minutes: z.number().int().min(0),
	boundaries: z.strictObject({ pass: z.number().int(), first_class: z.number().int() }),
	rules: rulesSchema.optional(),
	case_study: z.string().optional(),
	sections: z
		.array(z.strictObject({ title: text, questions: z.array(questionSchema).min(1) }))
		.min(1)
});
export type Paper = z.output<typeof paperSchema>;

/** One markable unit: a question without parts, or one part. */
export interface Item {
	/** "3" or "7.a" – the key used by the exam API and in marks files. */
	key: string;
	/** "3" or "7(a)" – how candidates and markers see it. */
	label: string;
	questionId: string;
	partId: string | null;
	stem: string;
	marks: number;
	area: AreaCode;
	criteria: string[];
	grid: Grid;
}

/** Flattens a paper into its items, in paper order. Assumes a paper that passed the bank rules. */
export function paperItems(paper: Paper): Item[] {
	const items: Item[] = [];
	for (const section of paper.sections) {
		for (const q of section.questions) {
			if (q.parts) {
				for (const p of q.parts) {
					items.push({
						key: `${q.id}.${p.id}`,
						label: `${q.id}(${p.id})`,
						questionId: q.id,
						partId: p.id,
						stem: p.stem,
						marks: p.marks,
						area: (p.area ?? q.area)!,
						criteria: p.criteria,
						grid: p.grid
					});
				}
			} else {
				items.push({
					key: q.id,
					label: q.id,
					questionId: q.id,
					partId: null,
					stem: q.stem,
					marks: q.marks!,
					area: q.area!,
					criteria: q.criteria ?? [],
					grid: q.grid!
				});
			}
		}
	}
	return items;
}

export function paperTotal(paper: Paper): number {
	return paperItems(paper).reduce((sum, i) => sum + i.marks, 0);
}

export interface Coverage {
	total: number;
	byArea: Partial<Record<AreaCode, number>>;
	outcomes: { id: string; covered: boolean }[];
}

export function paperCoverage(paper: Paper, unit: Unit): Coverage {
	// Also used for papers that broke a rule (bank check still shows their row): an item without
	// marks counts 0, one without an area counts towards no area.
	const items = paperItems(paper).map((i) => ({ ...i, marks: i.marks ?? 0 }));
	const byArea: Partial<Record<AreaCode, number>> = {};
	for (const i of items) if (i.area) byArea[i.area] = (byArea[i.area] ?? 0) + i.marks;
	const used = new Set(items.flatMap((i) => i.criteria));
	return {
		total: items.reduce((s, i) => s + i.marks, 0),
		byArea,
		outcomes: unit.outcomes.map((o) => ({
			id: o.id,
			covered: o.criteria.some((c) => used.has(c.id))
		}))
	};
}

export type { Level };
