import { describe, expect, it } from 'vitest';

import { CODE_NAMES } from '../../src/lib/domain/codes.js';
import { unitOfQualification } from '../../src/lib/domain/qualifications.js';
import {
	distributionSummary,
	gradeDistribution,
	outcomeWords,
	parseDateRange
} from '../../src/lib/domain/result-report.js';
import { safeCell, safeFileName } from '../../src/lib/domain/spreadsheet.js';

describe('safeCell: text a spreadsheet opens as text', () => {
	it('puts an apostrophe before a cell that starts with = + - @, a tab or a carriage return', () => {
		for (const evil of [
			'=HYPERLINK("http://evil.example","Click")',
			'+44 20 7946 0000',
			'-2+3',
			'@SUM(A1)',
			'\t=1+1',
			'\r=1+1'
		]) {
			expect(safeCell(evil), JSON.stringify(evil)).toBe(`'${evil}`);
		}
	});
	it('leaves every other cell as it is, empty and missing cells empty', () => {
		for (const ok of ['Adeyemi', "O'Neill", 'Zoë Müller', 'a=b', ' =x', '0101', ''])
			expect(safeCell(ok)).toBe(ok);
		expect(safeCell(null)).toBe('');
		expect(safeCell(undefined)).toBe('');
	});
});

describe('safeFileName', () => {
	it('keeps letters, digits, - and _; any other run becomes one dash; the extension stays', () => {
		expect(safeFileName('result-slip-8992-112-A-0101.pdf')).toBe('result-slip-8992-112-A-0101.pdf');
		expect(safeFileName('slip-"; filename=evil.exe; x=".pdf')).toBe('slip-filename-evil-exe-x.pdf');
		expect(safeFileName('slip-../../etc/passwd\r\nX-Evil: 1.pdf')).toBe(
			'slip-etc-passwd-X-Evil-1.pdf'
		);
		expect(safeFileName('Zoë Müller.csv')).toBe('Zoe-Muller.csv');
		expect(safeFileName('.csv')).toBe('csv');
		expect(safeFileName('"";.pdf')).toBe('download.pdf');
		expect(safeFileName('x'.repeat(300) + '.csv')).toHaveLength(100);
	});
});

describe('grade distribution', () => {
	const rows = [
		{ status: 'graded', grade: 'First Class Pass' },
		{ status: 'graded', grade: 'Pass' },
		{ status: 'graded', grade: 'Pass' },
		{ status: 'graded', grade: 'Fail' },
		{ status: 'absent', grade: null },
		{ status: 'void', grade: null }
	] as const;
	it('counts every outcome, zeros included, with shares of all candidates', () => {
		expect(gradeDistribution(rows)).toEqual([
			{ outcome: 'First Class Pass', count: 1, percent: 17 },
			{ outcome: 'Pass', count: 2, percent: 33 },
			{ outcome: 'Fail', count: 1, percent: 17 },
			{ outcome: 'Absent', count: 1, percent: 17 },
			{ outcome: 'Void', count: 1, percent: 17 }
		]);
		expect(gradeDistribution([]).every((b) => b.count === 0 && b.percent === 0)).toBe(true);
	});
	it('says it in words for the chart’s text alternative', () => {
		expect(distributionSummary(gradeDistribution(rows))).toBe(
			'6 candidates: 1 First Class Pass (17%), 2 Pass (33%), 1 Fail (17%), 1 Absent (17%), 1 Void (17%).'
		);
		expect(distributionSummary(gradeDistribution([rows[1]]))).toBe('1 candidate: 1 Pass (100%).');
		expect(outcomeWords({ status: 'absent', grade: null })).toBe('Absent');
	});
});

describe('parseDateRange', () => {
	it('takes real days, either side open, from not after to', () => {
		expect(parseDateRange('2026-11-01', '2026-11-30')).toEqual({
			ok: true,
			range: { from: '2026-11-01', to: '2026-11-30' }
		});
		expect(parseDateRange('', null)).toEqual({ ok: true, range: {} });
		expect(parseDateRange(' 2026-11-01 ', '')).toEqual({ ok: true, range: { from: '2026-11-01' } });
		for (const [from, to] of [
			['2026-02-30', ''],
			['', '29/11/2026'],
			['2026-12-01', '2026-11-01'],
			["2026-11-01' or 1=1", '']
		]) {
			expect(parseDateRange(from!, to!).ok, `${from} ${to}`).toBe(false);
		}
	});
});

describe('the handbook’s qualifications and codes', () => {
	it('names each unit’s qualification, number, regulatory reference, level and credit as the handbook does', () => {
		expect(unitOfQualification('8992-112')).toEqual({
			unit: '8992-112',
			title: 'Level 2 Principles of Customer Service',
			level: 2,
			credit: 8,
			qualification: {
				title: 'City & Guilds Level 2 Award in Customer Service',
				number: '8992-12',
				regulatoryNumber: '500/3681/6'
			}
		});
		expect(unitOfQualification('8992-111')).toMatchObject({
			credit: 6,
			qualification: { number: '8992-11', regulatoryNumber: '500/3682/8' }
		});
		expect(unitOfQualification('8992-113')).toMatchObject({
			credit: 10,
			qualification: { number: '8992-13', regulatoryNumber: '500/3680/4' }
		});
		expect(unitOfQualification('8992-021')?.qualification).toEqual({
			title: 'City & Guilds Level 1 Award in Customer Service (Hairdressing route)',
			number: '8992-21',
			regulatoryNumber: '500/3682/8'
		});
		expect(unitOfQualification('8992-022')).toMatchObject({
			level: 2,
			credit: 8,
			qualification: { number: '8992-22', regulatoryNumber: '500/3681/6' }
		});
		expect(unitOfQualification('8992-901')).toBeUndefined();
	});
	it('words every performance code as the handbook’s table does', () => {
		expect(CODE_NAMES).toEqual({
			AA: 'Narrow fail',
			AB: 'Insufficient work submitted',
			FK: 'Misinterpretation of question(s)',
			FL: 'Customer needs, satisfaction and expectation',
			FM: 'Organisations policies, complaints and confidentiality',
			FN: 'Methods of communication',
			FO: 'Knowledge, ability and attributes',
			FP: 'Sources of information and storage/retrieval',
			FR: 'Promotion of products and services',
			FS: 'Personal development and team working'
		});
	});
});
