import { describe, expect, it } from 'vitest';

import {
	checkCandidateCsvHeader,
	normaliseCandidateNumber,
	validateCandidateRows
} from '../../src/lib/domain/candidates.js';
import { parseCandidateCsv } from '../../src/lib/server/centres/csv.js';

const row = (over: Record<string, string> = {}) => ({
	candidate_number: '0001',
	first_name: 'Ann',
	last_name: 'Lee',
	...over
});

describe('validateCandidateRows', () => {
	it('accepts good rows, normalising numbers, yes/no and extra time', () => {
		const r = validateCandidateRows([
			row({
				candidate_number: '12',
				extra_time_percent: '25%',
				rest_breaks: 'Yes',
				reader: 'no',
				date_of_birth: '2008-02-29'
			})
		]);
		expect(r).toEqual({
			ok: true,
			candidates: [
				{
					candidate_number: '0012',
					first_name: 'Ann',
					last_name: 'Lee',
					date_of_birth: '2008-02-29',
					extra_time_percent: 25,
					rest_breaks: true,
					reader: false,
					scribe: false,
					arrangement_notes: ''
				}
			]
		});
	});
	it('names the row (header is row 1) of a missing candidate number', () => {
		const r = validateCandidateRows([
			row(),
			row({ candidate_number: '0002' }),
			row({ candidate_number: '' })
		]);
		expect(r).toEqual({
			ok: false,
			errors: [{ row: 4, column: 'candidate_number', message: 'Candidate number is required' }]
		});
	});
	it('names a duplicate within the file and the row it repeats', () => {
		const r = validateCandidateRows([
			row(),
			row({ candidate_number: '0002' }),
			row({ candidate_number: '0001' })
		]);
		expect(r).toEqual({
			ok: false,
			errors: [
				{
					row: 4,
					column: 'candidate_number',
					message: 'Candidate number 0001 is repeated (first on row 2)'
				}
			]
		});
	});
	it('treats a number and its zero-padded form as duplicates', () => {
		const r = validateCandidateRows([
			row({ candidate_number: '7' }),
			row({ candidate_number: '0007' })
		]);
		expect(r.ok).toBe(false);
	});
	it('names a duplicate of a candidate already registered', () => {
		const r = validateCandidateRows([row({ candidate_number: '0007' })], new Set(['0007']));
		expect(r).toEqual({
			ok: false,
			errors: [
				{
					row: 2,
					column: 'candidate_number',
					message: 'Candidate number 0007 is already registered at this centre'
				}
			]
		});
	});
	it('refuses an extra-time value that is not an allowed percentage', () => {
		for (const bad of ['20', '-10', 'lots', '25.5', '200']) {
			const r = validateCandidateRows([row({ extra_time_percent: bad })]);
			expect(r.ok).toBe(false);
			if (!r.ok)
				expect(r.errors[0]!.message).toContain('Extra time must be one of 0, 10, 15, 25, 50, 100');
		}
	});
	it('refuses an impossible date of birth and a bad yes/no', () => {
		const r = validateCandidateRows([
			row({ date_of_birth: '2007-02-30' }),
			row({ candidate_number: '2', scribe: 'maybe' })
		]);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.errors.map((e) => e.row)).toEqual([2, 3]);
	});
	it('reports every bad row, not just the first', () => {
		const r = validateCandidateRows([
			row({ first_name: '' }),
			row({ candidate_number: '0002' }),
			row({ candidate_number: 'x y' })
		]);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.errors.map((e) => e.row)).toEqual([2, 4]);
	});
});

describe('checkCandidateCsvHeader', () => {
	it('requires the three identifying columns and refuses unknown ones', () => {
		expect(checkCandidateCsvHeader(['candidate_number', 'first_name', 'last_name'])).toBeNull();
		expect(checkCandidateCsvHeader(['candidate_number', 'first_name'])).toContain('last_name');
		expect(
			checkCandidateCsvHeader(['candidate_number', 'first_name', 'last_name', 'shoe_size'])
		).toContain('shoe_size');
	});
	it('refuses a repeated column (the second would silently replace the first)', () => {
		expect(
			checkCandidateCsvHeader(['candidate_number', 'first_name', 'last_name', 'first_name'])
		).toBe('The header row repeats the column(s): first_name');
	});
});

describe('parseCandidateCsv', () => {
	it('numbers rows by their line in the file, past blank lines and quoted line breaks', () => {
		const text =
			'\uFEFFcandidate_number,first_name,last_name,arrangement_notes\n0001,Ann,Lee,\n\n0002,Bo,Ng,"Needs a\nseat near the door"\n0003,Cy,,\n';
		const parsed = parseCandidateCsv(text);
		expect(parsed.ok).toBe(true);
		if (!parsed.ok) return;
		expect(parsed.lines).toEqual([2, 5, 6]);
		const r = validateCandidateRows(parsed.records, new Set(), parsed.lines);
		expect(r).toEqual({
			ok: false,
			errors: [{ row: 6, column: 'last_name', message: 'Last name is required' }]
		});
	});
	it('names the lines of rows with the wrong number of fields, and still reads the others', () => {
		expect(
			parseCandidateCsv('candidate_number,first_name,last_name\n1,A,B\n2,C\n3,D,E,F\n')
		).toEqual({
			ok: true,
			records: [{ candidate_number: '1', first_name: 'A', last_name: 'B' }],
			lines: [2],
			errors: [
				{ row: 3, message: expect.stringContaining('the row has 2 fields; the header has 3') },
				{ row: 4, message: expect.stringContaining('the row has 4 fields; the header has 3') }
			]
		});
	});
});

describe('candidate names refuse control, line-break and text-direction characters', () => {
	const bad = {
		'a line break': 'Ann\nMarie',
		'a carriage return': 'Ann\rMarie',
		'a tab': 'Ann\tMarie',
		'a C1 control': 'Ann\u0085Marie',
		'a line separator': 'Ann\u2028Marie',
		'right-to-left override U+202E': 'Ann\u202Eeil',
		'left-to-right embedding U+202A': '\u202AAnn',
		'first strong isolate U+2068': 'Ann\u2068',
		'pop directional isolate U+2069': 'Ann\u2069Lee'
	};
	for (const [what, name] of Object.entries(bad)) {
		it(`refuses ${what} in either name, naming the field (form and CSV alike)`, () => {
			const r = validateCandidateRows([
				row({ first_name: name }),
				row({ candidate_number: '0002', last_name: name })
			]);
			expect(r).toEqual({
				ok: false,
				errors: [
					{
						row: 2,
						column: 'first_name',
						message:
							'First name must not contain line breaks, tabs, control characters or text-direction characters'
					},
					{
						row: 3,
						column: 'last_name',
						message:
							'Last name must not contain line breaks, tabs, control characters or text-direction characters'
					}
				]
			});
		});
	}
	it('accepts accents, apostrophes, hyphens and right-to-left scripts as written', () => {
		const r = validateCandidateRows([
			row({ first_name: 'Zoë-Anne', last_name: "O'Brien" }),
			row({ candidate_number: '0002', first_name: 'مريم', last_name: 'Łukasz' })
		]);
		expect(r.ok).toBe(true);
	});
	it('a CSV cell with a quoted line break is refused at its row and column', () => {
		const parsed = parseCandidateCsv(
			'candidate_number,first_name,last_name\n0001,"Ann\nMarie",Lee\n'
		);
		if (!parsed.ok) throw new Error(parsed.message);
		expect(validateCandidateRows(parsed.records, new Set(), parsed.lines)).toMatchObject({
			ok: false,
			errors: [{ row: 3, column: 'first_name' }]
		});
	});
});

describe('normaliseCandidateNumber (the register and the sign-in read numbers alike)', () => {
	it('pads one to four digits, keeps other numbers as typed (upper-cased)', () => {
		expect(
			['42', ' 7 ', '0042', '1234', '12345', 'ab12', ''].map(normaliseCandidateNumber)
		).toEqual(['0042', '0007', '0042', '1234', '12345', 'AB12', '']);
	});
});
