import { stringify } from 'csv-stringify/sync';

import { dayIn } from '../../domain/centre-time.js';
import { unitOfQualification } from '../../domain/qualifications.js';
import { outcomeWords } from '../../domain/result-report.js';
import { safeCell } from '../../domain/spreadsheet.js';
import type { CentreResultRow } from './centre-results.js';

/**
 * The centre's results as CSV (columns documented in README.md, "Results downloads"): one row per
 * candidate per sitting, UTF-8 with a byte-order mark so Excel reads accented names correctly,
 * CRLF line ends. Every text cell goes through safeCell, so nothing anyone typed can become a
 * formula; totals and versions are the system's own numbers.
 */
export const RESULT_CSV_COLUMNS = [
	'Centre number',
	'Candidate number',
	'Surname',
	'Forenames',
	'Date of birth',
	'Qualification',
	'Unit',
	'Paper',
	'Sitting date',
	'Status',
	'Grade',
	'Total',
	'Codes',
	'Result version'
] as const;

const STATUS = { graded: 'Graded', absent: 'Absent', void: 'Void' } as const;

export function resultRecord(r: CentreResultRow): (string | number)[] {
	const text = (...cells: (string | null)[]) => cells.map(safeCell);
	return [
		...text(
			r.centreNumber,
			r.candidateNumber,
			r.lastName,
			r.firstName,
			r.dateOfBirth,
			unitOfQualification(r.unitCode)?.qualification.number ?? '',
			r.unitCode,
			r.paperCode,
			dayIn(r.scheduledAt),
			STATUS[r.status],
			r.status === 'graded' ? outcomeWords(r) : ''
		),
		r.total ?? '',
		...text(r.codes.join(' ')),
		r.version
	];
}

export function resultsCsv(rows: readonly CentreResultRow[]): string {
	return stringify([[...RESULT_CSV_COLUMNS], ...rows.map(resultRecord)], {
		bom: true,
		record_delimiter: 'windows'
	});
}
