import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A small, valid Level 1 unit and paper; tests change one thing to prove each rule. */
export function validUnit() {
	return {
		unit: '8992-111',
		title: 'Level 1 Principles of Customer Service',
		level: 1,
		route: 'general',
		status: 'current',
		exam: { duration_minutes: 60, reading_minutes: 5 },
		outcomes: [
			{
				id: 'LO1',
				title: 'Deliver good service',
				criteria: [{ id: 'AC1.1', text: 'Types of customer', area: 'FL' }]
			},
			{
				id: 'LO2',
				title: 'Communicate',
				criteria: [{ id: 'AC2.1', text: 'Methods of communication', area: 'FN' }]
			},
			{
				id: 'LO3',
				title: 'Procedures',
				criteria: [{ id: 'AC3.1', text: 'Confidentiality', area: 'FM' }]
			},
			{
				id: 'LO4',
				title: 'Complaints',
				criteria: [{ id: 'AC4.1', text: 'Handling complaints', area: 'FO' }]
			}
		]
	};
}

const points = (n: number) => ({
	mode: 'points',
	points: Array.from({ length: n }, (_, i) => ({ text: `point ${i + 1}`, marks: 1 })),
	guidance: 'Accept other valid points.'
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validPaper(): any {
	return {
		code: '8992-111-T',
		unit: '8992-111',
		title: 'Test paper',
		kind: 'live',
		duration_minutes: 60,
		reading_minutes: 5,
		boundaries: { pass: 12, first_class: 16 },
		case_study: 'A small shop.',
		sections: [
			{
				title: 'Section A',
				questions: [
					{
						id: '1',
						type: 'short_answer',
						stem: 'Identify two types of customer.',
						marks: 5,
						area: 'FL',
						criteria: ['AC1.1'],
						grid: points(6)
					},
					{
						id: '2',
						type: 'short_answer',
						stem: 'State two methods of communication.',
						marks: 5,
						area: 'FN',
						criteria: ['AC2.1'],
						grid: points(6)
					}
				]
			},
			{
				title: 'Section B',
				questions: [
					{
						id: '3',
						type: 'scenario',
						stem: 'Read the case study.',
						area: 'FM',
						parts: [
							{
								id: 'a',
								stem: 'State why confidentiality matters.',
								marks: 5,
								criteria: ['AC3.1'],
								grid: points(5)
							},
							{
								id: 'b',
								stem: 'Describe how to handle the complaint.',
								marks: 5,
								area: 'FO',
								criteria: ['AC4.1'],
								grid: {
									mode: 'levels',
									bands: [
										{ min: 1, max: 2, descriptor: 'Basic' },
										{ min: 3, max: 4, descriptor: 'Sound' },
										{ min: 5, max: 5, descriptor: 'Full' }
									]
								}
							}
						]
					}
				]
			}
		]
	};
}

/** Writes a bank folder; pass raw text for a paper to write it as is (bad YAML). */
export function writeBank(
	opts: { unit?: object; papers?: (object | { raw: string; name: string })[] } = {}
): string {
	const root = mkdtempSync(join(tmpdir(), 'bank-'));
	mkdirSync(join(root, 'units'));
	const unit = opts.unit ?? validUnit();
	writeFileSync(join(root, 'units', `${(unit as { unit: string }).unit}.yaml`), stringify(unit));
	mkdirSync(join(root, '8992-111'));
	for (const p of opts.papers ?? [validPaper()]) {
		if ('raw' in p) writeFileSync(join(root, '8992-111', `${p.name}.yaml`), p.raw);
		else
			writeFileSync(join(root, '8992-111', `${(p as { code: string }).code}.yaml`), stringify(p));
	}
	return root;
}
