import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { formatProblem, loadBank } from '../../src/lib/server/bank/load.js';
import { validPaper, validUnit, writeBank } from '../helpers/bank-fixture.js';

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

describe('bank check refuses, naming the file and the question', () => {
	it('accepts the valid fixture', () => {
		expect(problemsFor(validPaper())).toEqual([]);
	});
	it('marks that do not add up (question marks differ from its parts)', () => {
		const p = validPaper();
		p.sections[1].questions[0].marks = 12;
		expect(problemsFor(p)).toContain(`${FILE}: question 3: marks are 12 but its parts add up to 10`);
	});
	it('a code invalid for the level', () => {
		const p = validPaper();
		p.sections[0].questions[1].area = 'FR';
		expect(problemsFor(p)).toContain(`${FILE}: question 2: area FR is not valid at level 1 (valid: FL FM FN FO)`);
	});
	it('an unknown criterion', () => {
		const p = validPaper();
		p.sections[1].questions[0].parts[0].criteria = ['AC9.9'];
		expect(problemsFor(p)).toContain(`${FILE}: question 3(a): criterion AC9.9 is not in unit 8992-111`);
	});
	it('a points grid that cannot reach the marks', () => {
		const p = validPaper();
		p.sections[0].questions[0].grid.points = p.sections[0].questions[0].grid.points.slice(0, 4);
		expect(problemsFor(p)).toContain(`${FILE}: question 1: grid cannot reach 5 marks: its points add up to 4`);
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
		expect(problemsFor(p)).toContain(`${FILE}: question 3(b): grid cannot reach 5 marks: the top band ends at 4`);
	});
	it('a duplicate question id and a duplicate part id', () => {
		const p = validPaper();
		p.sections[1].questions[0].id = '2';
		p.sections[1].questions[0].parts[1].id = 'a';
		const problems = problemsFor(p);
		expect(problems).toContain(`${FILE}: question 2: duplicate question id "2"`);
		expect(problems).toContain(`${FILE}: question 2(a): duplicate part id "a"`);
	});
	it('bad YAML, with the line', () => {
		const root = writeBank({ papers: [{ name: '8992-111-T', raw: 'code: 8992-111-T\nsections:\n  - title: [unclosed\n' }] });
		const bank = loadBank(root, (p) => p.slice(root.length + 1));
		expect(bank.problems.map(formatProblem)).toEqual([expect.stringMatching(/^8992-111\/8992-111-T\.yaml: YAML error at line \d+: /)]);
		expect(bank.papers).toEqual([]);
	});
	it('a field of the wrong type, naming the question', () => {
		const p = validPaper();
		p.sections[0].questions[1].marks = 'three';
		expect(problemsFor(p)).toContain(`${FILE}: question 2: sections.0.questions.1.marks: Invalid input: expected number, received string`);
	});
	it('boundaries outside 0 < pass < first class <= total', () => {
		const p = validPaper();
		p.boundaries = { pass: 18, first_class: 21 };
		expect(problemsFor(p)).toContain(`${FILE}: boundaries must satisfy 0 < pass < first_class <= total marks (20); got pass 18, first_class 21`);
	});
	it('timing that differs from the unit', () => {
		const p = validPaper();
		p.duration_minutes = 90;
		expect(problemsFor(p)).toContain(`${FILE}: duration_minutes is 90; unit 8992-111 is examined in 60 minutes`);
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
		expect(bank.problems.map(formatProblem)).toContain('8992-111/8992-112-T.yaml: unit 8992-112 has no valid unit file (questions/units/8992-112.yaml)');
	});
	it('a unit criterion with an area outside its level', () => {
		const u = validUnit();
		u.outcomes[0]!.criteria[0]!.area = 'FS';
		const root = writeBank({ unit: u });
		const bank = loadBank(root, (x) => x.slice(root.length + 1));
		expect(bank.problems.map(formatProblem)).toContain('units/8992-111.yaml: criterion AC1.1 has area FS, not valid at level 1 (FL FM FN FO)');
		// And its papers are not loaded without a valid unit.
		expect(bank.papers).toEqual([]);
	});
});
