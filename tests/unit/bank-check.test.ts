import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { bankCheck, bankCoverage } from '../../src/cli/bank.js';
import { coverageProblems, unitCoverage } from '../../src/lib/domain/bank-rules.js';
import { gridSchema, paperItems, paperSchema, unitSchema } from '../../src/lib/domain/paper.js';
import { formatProblem, loadBank } from '../../src/lib/server/bank/load.js';
import { validPaper, validUnit, writeBank } from '../helpers/bank-fixture.js';
import { renderComponent } from '../helpers/render-svelte.js';

const FILE = '8992-111/8992-111-T.yaml';
function problemsFor(paper: object, unit?: object): string[] {
	const root = writeBank({ papers: [paper], unit });
	const bank = loadBank(root, (p) => p.slice(root.length + 1));
	return bank.problems.map(formatProblem);
}

describe('bank check on the shipped bank', () => {
	it('every paper in questions/ passes, with ten or more papers covering all five units', () => {
		const bank = loadBank(resolve('questions'));
		expect(bank.problems.map(formatProblem)).toEqual([]);
		expect(bank.papers.length).toBeGreaterThanOrEqual(10);
		const units = new Set(bank.papers.map((p) => p.paper.unit));
		expect([...units].sort()).toEqual(['8992-021', '8992-022', '8992-111', '8992-112', '8992-113']);
		for (const u of units) {
			const kinds = new Set(bank.papers.filter((p) => p.paper.unit === u).map((p) => p.paper.kind));
			expect([u, [...kinds].sort()]).toEqual([u, ['live', 'practice']]);
		}
	});
});

describe('content of the shipped bank', () => {
	it('every criterion of every unit is assessed by a live paper, and each unit has two live papers; every 8992-113 paper assesses AC4.3', () => {
		const bank = loadBank(resolve('questions'));
		const coverage = bankCoverage(bank);
		for (const unit of ['8992-021', '8992-022', '8992-111', '8992-112', '8992-113']) {
			const c = coverage.find((u) => u.unit === unit)!;
			expect([unit, coverageProblems(c)]).toEqual([unit, []]);
			expect(c.livePapers.length).toBeGreaterThanOrEqual(2);
		}
		const l3 = bank.papers.filter((p) => p.paper.unit === '8992-113');
		expect(l3.map((p) => p.paper.code).sort()).toEqual(['8992-113-A', '8992-113-B', '8992-113-P']);
		for (const p of l3)
			expect([p.paper.code, paperItems(p.paper).some((i) => i.criteria.includes('AC4.3'))]).toEqual(
				[p.paper.code, true]
			);
	});
});

describe('bank check: criterion coverage across live papers', () => {
	/** The fixture unit with a second criterion under LO4, which the fixture paper does not assess. */
	const unitWithAc42 = () => {
		const u = validUnit();
		u.outcomes[3]!.criteria.push({
			id: 'AC4.2',
			text: 'Identify common customer problems and complaints',
			area: 'FM'
		});
		return u;
	};
	const live = (code: string) => ({ ...validPaper(), code, kind: 'live' });
	function run(root: string) {
		const out: string[] = [];
		const err: string[] = [];
		const code = bankCheck(
			root,
			(l) => out.push(l),
			(l) => err.push(l)
		);
		return { code, out: out.join('\n'), err: err.join('\n') };
	}

	it('`bank check` fails on a missing AC, naming the unit, the criterion and the live papers', () => {
		const r = run(writeBank({ unit: unitWithAc42(), papers: [live('8992-111-A')] }));
		expect(r.code).toBe(1);
		expect(r.err).toContain(
			'unit 8992-111: AC4.2 is not assessed by any live paper (live: 8992-111-A)'
		);
		expect(r.out).toMatch(/^8992-111\s+8992-111-A\s+4\/5 \(80%\)\s+AC4\.2$/m);
	});
	it('a practice paper does not count towards coverage; a second live paper does', () => {
		const practice = validPaper();
		practice.code = '8992-111-P';
		practice.kind = 'practice';
		practice.sections[1].questions[0].parts[1].criteria = ['AC4.1', 'AC4.2'];
		expect(
			run(writeBank({ unit: unitWithAc42(), papers: [live('8992-111-A'), practice] })).code
		).toBe(1);

		const second = live('8992-111-B');
		second.sections[1].questions[0].parts[1].criteria = ['AC4.2'];
		const r = run(
			writeBank({ unit: unitWithAc42(), papers: [live('8992-111-A'), second, practice] })
		);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
		expect(r.out).toMatch(/^8992-111\s+8992-111-A 8992-111-B\s+5\/5 \(100%\)\s+–$/m);
	});
	it('a unit with no live paper fails: none of its criteria is assessed', () => {
		const practice = validPaper();
		practice.code = '8992-111-P';
		practice.kind = 'practice';
		const r = run(writeBank({ papers: [practice] }));
		expect(r.code).toBe(1);
		expect(r.err).toContain(
			'unit 8992-111 has no live paper, so none of its 4 assessment criteria is assessed'
		);
	});
	it('a live paper that leaves an outcome unassessed fails, naming the paper and the outcome', () => {
		const gap = live('8992-111-A');
		gap.sections[1].questions[0].parts[1].criteria = ['AC3.1'];
		gap.sections[1].questions[0].parts[1].area = 'FM';
		const r = run(writeBank({ papers: [gap] }));
		expect(r.code).toBe(1);
		expect(r.err).toContain(
			'8992-111/8992-111-A.yaml: learning outcome LO4 is not assessed by any item'
		);
		// The pure rule says the same of any live paper it is given.
		const c = unitCoverage(unitSchema.parse(validUnit()), [paperSchema.parse(gap)]);
		expect(c.outcomeGaps).toEqual([{ paper: '8992-111-A', outcomes: ['LO4'] }]);
		expect(coverageProblems(c)).toContain(
			'unit 8992-111: live paper 8992-111-A does not assess LO4'
		);
	});
});

describe('bank check refuses, naming the file and the question', () => {
	it('accepts the valid fixture', () => {
		expect(problemsFor(validPaper())).toEqual([]);
	});
	it('marks that do not add up (question marks differ from its parts)', () => {
		const p = validPaper();
		p.sections[1].questions[0].marks = 12;
		expect(problemsFor(p)).toContain(
			`${FILE}: question 3: marks are 12 but its parts add up to 10`
		);
	});
	it('a code invalid for the level', () => {
		const p = validPaper();
		p.sections[0].questions[1].area = 'FR';
		expect(problemsFor(p)).toContain(
			`${FILE}: question 2: area FR is not valid at level 1 (valid: FL FM FN FO)`
		);
	});
	it('an unknown criterion', () => {
		const p = validPaper();
		p.sections[1].questions[0].parts[0].criteria = ['AC9.9'];
		expect(problemsFor(p)).toContain(
			`${FILE}: question 3(a): criterion AC9.9 is not in unit 8992-111`
		);
	});
	it('a question with parts: its own unknown criterion, or its own area invalid for the level', () => {
		const p = validPaper();
		const q3 = p.sections[1].questions[0];
		q3.criteria = ['AC3.1', 'AC7.7'];
		// Both parts name their own area, so nothing inherits the question's area: it is still checked.
		q3.parts[0].area = 'FM';
		q3.area = 'FS';
		const problems = problemsFor(p);
		expect(problems).toContain(`${FILE}: question 3: criterion AC7.7 is not in unit 8992-111`);
		expect(problems).toContain(
			`${FILE}: question 3: area FS is not valid at level 1 (valid: FL FM FN FO)`
		);
		expect(problems).toHaveLength(2);
	});
	it('an invalid area on a question with parts is reported once, on the question, not on each part inheriting it', () => {
		const p = validPaper();
		p.sections[1].questions[0].area = 'FP';
		expect(problemsFor(p).filter((m) => m.includes('area FP'))).toEqual([
			`${FILE}: question 3: area FP is not valid at level 1 (valid: FL FM FN FO)`
		]);
	});
	it('a points grid that cannot reach the marks', () => {
		const p = validPaper();
		p.sections[0].questions[0].grid.points = p.sections[0].questions[0].grid.points.slice(0, 4);
		expect(problemsFor(p)).toContain(
			`${FILE}: question 1: grid cannot reach 5 marks: its points add up to 4`
		);
	});
	it('a levels grid whose top band stops short, or whose bands overlap or leave a gap', () => {
		const p = validPaper();
		const bands = p.sections[1].questions[0].parts[1].grid.bands;
		bands[2].max = 4;
		bands[2].min = 4;
		expect(problemsFor(p)).toContain(`${FILE}: question 3(b): bands 3–4 and 4–4 overlap`);
		bands[2].min = 6;
		bands[2].max = 6;
		expect(problemsFor(p)).toContain(`${FILE}: question 3(b): bands leave a gap between 4 and 6`);
		bands.pop();
		expect(problemsFor(p)).toContain(
			`${FILE}: question 3(b): grid cannot reach 5 marks: the top band ends at 4`
		);
	});
	it('levels bands listed out of order, or a top band above the item', () => {
		const p = validPaper();
		const bands = p.sections[1].questions[0].parts[1].grid.bands;
		bands.reverse();
		expect(problemsFor(p)).toContain(
			`${FILE}: question 3(b): band 3–4 is listed after band 5–5; list bands from the lowest to the highest`
		);
		bands.reverse();
		bands[2].max = 6;
		expect(problemsFor(p)).toContain(
			`${FILE}: question 3(b): the top band ends at 6, above the item's 5 marks`
		);
	});
	describe('structured points grids', () => {
		const grouped = () => {
			const p = validPaper();
			p.sections[0].questions[0].grid = {
				mode: 'points',
				points: [
					{ text: 'explains the effect', marks: 2, partial: '1 for identifying, 1 for explaining' }
				],
				groups: [
					{
						text: 'Naming sources',
						cap: 2,
						points: [
							{ text: 'website', marks: 1 },
							{ text: 'colleague', marks: 1 },
							{ text: 'handbook', marks: 1 }
						]
					},
					{
						text: 'Benefits',
						cap: 1,
						points: [
							{ text: 'quicker', marks: 1 },
							{ text: 'cheaper', marks: 1 }
						]
					}
				]
			};
			return p;
		};
		it('a grid with groups, caps and partial credit that can reach the marks passes', () => {
			expect(problemsFor(grouped())).toEqual([]);
		});
		it('a grid made only of groups passes', () => {
			const p = grouped();
			const q = p.sections[0].questions[0];
			q.grid.groups.push({ text: 'Effects', cap: 2, points: q.grid.points });
			delete q.grid.points;
			expect(problemsFor(p)).toEqual([]);
		});
		it("a grid that cannot reach the item's marks once its group caps apply", () => {
			const p = grouped();
			p.sections[0].questions[0].grid.groups[0].cap = 1; // 2 + 1 + 1 = 4 < 5, although the points add up to 7
			expect(problemsFor(p)).toEqual([
				`${FILE}: question 1: grid cannot reach 5 marks: once its group caps apply its points add up to 4`
			]);
		});
		it('a group cap above the sum of its points, or above the item', () => {
			const p = grouped();
			p.sections[0].questions[0].grid.groups[1].cap = 3;
			expect(problemsFor(p)).toEqual([
				`${FILE}: question 1: group "Benefits" has a cap of 3 but its points add up to only 2`
			]);
			p.sections[0].questions[0].grid.groups[0].points.push(
				{ text: 'intranet', marks: 1 },
				{ text: 'manager', marks: 1 },
				{ text: 'supplier', marks: 1 }
			);
			p.sections[0].questions[0].grid.groups[0].cap = 6;
			expect(problemsFor(p)).toContain(
				`${FILE}: question 1: group "Naming sources" has a cap of 6, more than the item's 5 marks`
			);
		});
		it('a point worth more than its item', () => {
			const p = grouped();
			p.sections[0].questions[0].grid.points[0].marks = 6;
			expect(problemsFor(p)).toEqual([
				`${FILE}: question 1: point "explains the effect" is worth up to 6 marks, more than the item's 5 marks`
			]);
		});
		it('unknown keys in a group or point, a group without points, and a grid with neither points nor groups', () => {
			const p = grouped();
			p.sections[0].questions[0].grid.groups[0].max = 2;
			p.sections[0].questions[0].grid.points[0].partal = 'x';
			expect(problemsFor(p)).toEqual([
				`${FILE}: question 1: sections.0.questions.0.grid.points.0: unknown key "partal" (misspelt, or not part of the format)`,
				`${FILE}: question 1: sections.0.questions.0.grid.groups.0: unknown key "max" (misspelt, or not part of the format)`
			]);
			const empty = grouped();
			empty.sections[0].questions[0].grid.groups[1].points = [];
			expect(problemsFor(empty).join('\n')).toMatch(/question 1: .*groups\.1\.points/);
			const none = grouped();
			delete none.sections[0].questions[0].grid.points;
			delete none.sections[0].questions[0].grid.groups;
			expect(problemsFor(none).join('\n')).toContain('a points grid needs points, groups or both');
		});
	});
	it('a duplicate question id and a duplicate part id', () => {
		const p = validPaper();
		p.sections[1].questions[0].id = '2';
		p.sections[1].questions[0].parts[1].id = 'a';
		const problems = problemsFor(p);
		expect(problems).toContain(`${FILE}: question 2: duplicate question id "2"`);
		expect(problems).toContain(`${FILE}: question 2(a): duplicate part id "a"`);
	});
	it('a paper without a short-answer question, without a scenario question, or with scenarios but no case study', () => {
		expect(
			validPaper().sections.flatMap((s: { questions: { type: string }[] }) =>
				s.questions.map((q) => q.type)
			)
		).toEqual(['short_answer', 'short_answer', 'scenario']);
		const noShort = validPaper();
		for (const q of noShort.sections[0].questions) q.type = 'scenario';
		expect(problemsFor(noShort)).toEqual([
			`${FILE}: has no short-answer question (every paper needs at least one question of type short_answer)`
		]);
		const noScenario = validPaper();
		noScenario.sections[1].questions[0].type = 'short_answer';
		expect(problemsFor(noScenario)).toEqual([
			`${FILE}: has no scenario question (every paper needs at least one question of type scenario)`
		]);
		const noCase = validPaper();
		noCase.case_study = '  ';
		expect(problemsFor(noCase)).toEqual([
			`${FILE}: has scenario questions but no case_study for them to be set in`
		]);
		delete noCase.case_study;
		expect(problemsFor(noCase)).toEqual([
			`${FILE}: has scenario questions but no case_study for them to be set in`
		]);
	});
	it('a paper code used by two files: both files are named and neither is loaded', () => {
		const other = validPaper();
		other.title = 'A copy under another name';
		const root = writeBank({
			papers: [validPaper(), { name: 'copy-of-T', raw: stringify(other) }]
		});
		const bank = loadBank(root, (x) => x.slice(root.length + 1));
		const problems = bank.problems.map(formatProblem);
		expect(problems).toContain(
			'8992-111/copy-of-T.yaml: paper code 8992-111-T is also used by 8992-111/8992-111-T.yaml; no file with this code is imported'
		);
		expect(problems).toContain(
			'8992-111/8992-111-T.yaml: paper code 8992-111-T is also used by 8992-111/copy-of-T.yaml; no file with this code is imported'
		);
		expect([...bank.badFiles].sort()).toEqual([
			'8992-111/8992-111-T.yaml',
			'8992-111/copy-of-T.yaml'
		]);
		expect(bank.papers).toEqual([]);
	});
	it('bad YAML, with the line', () => {
		const root = writeBank({
			papers: [{ name: '8992-111-T', raw: 'code: 8992-111-T\nsections:\n  - title: [unclosed\n' }]
		});
		const bank = loadBank(root, (p) => p.slice(root.length + 1));
		expect(bank.problems.map(formatProblem)).toEqual([
			expect.stringMatching(/^8992-111\/8992-111-T\.yaml: YAML error at line \d+: /)
		]);
		expect(bank.papers).toEqual([]);
	});
	it('a field of the wrong type, naming the question', () => {
		const p = validPaper();
		p.sections[0].questions[1].marks = 'three';
		expect(problemsFor(p)).toContain(
			`${FILE}: question 2: sections.0.questions.1.marks: Invalid input: expected number, received string`
		);
	});
	it('an unknown (misspelt) key anywhere in a paper, naming the question and the key', () => {
		const p = validPaper();
		p.rules_typo = { max_codes: 3 };
		p.sections[0].title_ = 'Section A';
		p.sections[0].questions[1].grid.guidence = 'Accept any valid method.';
		p.sections[0].questions[0].grid.points[0].mark = 1;
		p.sections[1].questions[0].criteira = ['AC3.1'];
		p.sections[1].questions[0].parts[0].marx = 3;
		p.sections[1].questions[0].parts[1].grid.bands[0].note = 'x';
		p.boundaries.distinction = 18;
		const problems = problemsFor(p);
		expect(problems).toEqual(
			expect.arrayContaining([
				`${FILE}: (file): unknown key "rules_typo" (misspelt, or not part of the format)`,
				`${FILE}: sections.0: unknown key "title_" (misspelt, or not part of the format)`,
				`${FILE}: question 2: sections.0.questions.1.grid: unknown key "guidence" (misspelt, or not part of the format)`,
				`${FILE}: question 1: sections.0.questions.0.grid.points.0: unknown key "mark" (misspelt, or not part of the format)`,
				`${FILE}: question 3: sections.1.questions.0: unknown key "criteira" (misspelt, or not part of the format)`,
				`${FILE}: question 3(a): sections.1.questions.0.parts.0: unknown key "marx" (misspelt, or not part of the format)`,
				`${FILE}: question 3(b): sections.1.questions.0.parts.1.grid.bands.0: unknown key "note" (misspelt, or not part of the format)`,
				`${FILE}: boundaries: unknown key "distinction" (misspelt, or not part of the format)`
			])
		);
		expect(problems).toHaveLength(8);
	});
	it('an unknown key in a unit file', () => {
		const u = validUnit() as ReturnType<typeof validUnit> & { exam: { readng_minutes?: number } };
		u.exam.readng_minutes = 5;
		u.outcomes[0]!.criteria[0] = { ...u.outcomes[0]!.criteria[0]!, ...{ aera: 'FL' } };
		const root = writeBank({ unit: u });
		const problems = loadBank(root, (x) => x.slice(root.length + 1)).problems.map(formatProblem);
		expect(problems).toContain(
			'units/8992-111.yaml: exam: unknown key "readng_minutes" (misspelt, or not part of the format)'
		);
		expect(problems).toContain(
			'units/8992-111.yaml: outcomes.0.criteria.0: unknown key "aera" (misspelt, or not part of the format)'
		);
	});
	it('boundaries outside 0 < pass < first class <= total', () => {
		const p = validPaper();
		p.boundaries = { pass: 18, first_class: 21 };
		expect(problemsFor(p)).toContain(
			`${FILE}: boundaries must satisfy 0 < pass < first_class <= total marks (20); got pass 18, first_class 21`
		);
	});
	it('timing that differs from the unit', () => {
		const p = validPaper();
		p.duration_minutes = 90;
		expect(problemsFor(p)).toContain(
			`${FILE}: duration_minutes is 90; unit 8992-111 is examined in 60 minutes`
		);
	});
	it('a learning outcome not assessed, and an area under 10% of the marks', () => {
		const p = validPaper();
		p.sections[0].questions[1].criteria = ['AC1.1'];
		p.sections[0].questions[1].area = 'FL';
		const problems = problemsFor(p);
		expect(problems).toContain(`${FILE}: learning outcome LO2 is not assessed by any item`);
		expect(problems).toContain(`${FILE}: area FN carries 0 of 20 marks, less than 10%`);
	});
	it('a paper whose unit file is missing', () => {
		const p = validPaper();
		p.unit = '8992-112';
		p.code = '8992-112-T';
		const root = writeBank({ papers: [p] });
		const bank = loadBank(root, (x) => x.slice(root.length + 1));
		expect(bank.problems.map(formatProblem)).toContain(
			'8992-111/8992-112-T.yaml: unit 8992-112 has no valid unit file (questions/units/8992-112.yaml)'
		);
	});
	it('a handbook unit whose level or exam time contradicts the handbook; other unit codes may differ', () => {
		const problemsOfUnit = (u: object) => {
			const root = writeBank({ unit: u, papers: [] });
			return loadBank(root, (x) => x.slice(root.length + 1)).problems.map(formatProblem);
		};
		const wrongTime = validUnit();
		wrongTime.exam = { duration_minutes: 90, reading_minutes: 10 };
		expect(problemsOfUnit(wrongTime)).toEqual([
			'units/8992-111.yaml: exam duration_minutes is 90; the handbook examines 8992-111 in 60 minutes',
			"units/8992-111.yaml: exam reading_minutes is 10; the handbook allows 5 minutes' reading for 8992-111"
		]);
		// 8992-113 is Level 3, 120 minutes: a level 1, 60-minute 8992-113 is refused.
		const wrongLevel = { ...validUnit(), unit: '8992-113' };
		expect(problemsOfUnit(wrongLevel)).toEqual([
			'units/8992-113.yaml: level is 1; the handbook has 8992-113 at level 3',
			'units/8992-113.yaml: exam duration_minutes is 60; the handbook examines 8992-113 in 120 minutes'
		]);
		const wrongRoute = { ...validUnit(), unit: '8992-021', route: 'general' };
		expect(problemsOfUnit(wrongRoute)).toEqual([
			'units/8992-021.yaml: route is general; the handbook has 8992-021 on the hairdressing route'
		]);
		// Unknown unit codes (the browser tests' short units) keep their own times.
		for (const [code, duration] of [
			['8992-901', 10],
			['8992-902', 1]
		] as const) {
			expect(
				problemsOfUnit({
					...validUnit(),
					unit: code,
					exam: { duration_minutes: duration, reading_minutes: 1 }
				})
			).toEqual([]);
		}
	});
	it('a unit criterion with an area outside its level', () => {
		const u = validUnit();
		u.outcomes[0]!.criteria[0]!.area = 'FS';
		const root = writeBank({ unit: u });
		const bank = loadBank(root, (x) => x.slice(root.length + 1));
		expect(bank.problems.map(formatProblem)).toContain(
			'units/8992-111.yaml: criterion AC1.1 has area FS, not valid at level 1 (FL FM FN FO)'
		);
		// And its papers are not loaded without a valid unit.
		expect(bank.papers).toEqual([]);
	});
});

describe('the marking grid shown to markers (GridView)', () => {
	const render = async (grid: unknown, marks: number) =>
		(
			await renderComponent('src/lib/components/GridView.svelte', {
				grid: gridSchema.parse(grid),
				marks
			})
		).replace(/<!--[^>]*-->/g, '');

	it('shows each point as worth up to its marks, with its partial credit, and the item cap; never "each point earns the marks shown"', async () => {
		// A shipped item with a point worth more than one mark.
		const item = loadBank(resolve('questions'))
			.papers.flatMap((p) => paperItems(p.paper))
			.find((i) => i.grid.mode === 'points' && (i.grid.points ?? []).some((pt) => pt.marks > 1))!;
		expect(item).toBeDefined();
		const html = await render(item.grid, item.marks);
		expect(html).not.toMatch(/earns the marks shown/i);
		expect(html).toContain(`The item scores at most ${item.marks} marks in all.`);
		if (item.grid.mode !== 'points') throw new Error('points grid expected');
		const shown = [
			...html.matchAll(/<li>\s*(.*?) <span class="tag">(?:up to )?(\d+) marks?<\/span>/g)
		].map((m) => [m[1], Number(m[2])]);
		const all = [...(item.grid.points ?? []), ...(item.grid.groups ?? []).flatMap((g) => g.points)];
		expect(shown).toEqual(
			all.map((p) => [p.text.replace(/&/g, '&amp;').replace(/</g, '&lt;'), p.marks])
		);
	});

	it('shows groups with their caps, points with "up to N marks" and their partial-credit text', async () => {
		const html = await render(
			{
				mode: 'points',
				points: [
					{ text: 'Explains the effect', marks: 2, partial: '1 for identifying, 1 for explaining' }
				],
				groups: [
					{
						text: 'Naming sources',
						cap: 2,
						points: [
							{ text: 'website', marks: 1 },
							{ text: 'colleague', marks: 1 },
							{ text: 'handbook', marks: 1 }
						]
					}
				]
			},
			4
		);
		expect(html).toContain('Explains the effect <span class="tag">up to 2 marks</span>');
		expect(html).toContain('<span class="partial">1 for identifying, 1 for explaining</span>');
		expect(html).toContain(
			'<strong>Naming sources</strong> <span class="tag">at most 2 marks for this group</span>'
		);
		expect(html).toContain('website <span class="tag">1 mark</span>');
		expect(html).toContain('a group of points scores no more than its cap');
	});

	it('shows levels, highest first, with their ranges and descriptors', async () => {
		const html = await render(
			{
				mode: 'levels',
				bands: [
					{ min: 1, max: 2, descriptor: 'Basic' },
					{ min: 3, max: 3, descriptor: 'Sound' },
					{ min: 4, max: 6, descriptor: 'Thorough' }
				]
			},
			6
		);
		const rows = [
			...html.matchAll(
				/<tr><td>(Level \d)<\/td><td class="num">([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g
			)
		].map((m) => m.slice(1));
		expect(rows).toEqual([
			['Level 3', '4–6', 'Thorough'],
			['Level 2', '3', 'Sound'],
			['Level 1', '1–2', 'Basic']
		]);
	});
});
