import type { Kysely } from 'kysely';

import {
	validateCandidateRows,
	type CandidateInput,
	type RowError
} from '../../domain/candidates.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { violatedUniqueConstraint } from '../db/unique.js';
import { findNul, NUL_MESSAGE, withoutControlCharacters } from '../validation.js';
import { birthDateProblem, requireCentreId } from './candidates.js';

/* Registering a file of candidates (csv.ts reads it): every row, or none. */

export type CsvImportResult = { ok: true; count: number } | { ok: false; errors: RowError[] };

/**
 * Registers every candidate in an uploaded file, or none: any bad row (named by its line number)
 * means nothing of the file is saved.
 */
export async function importCandidates(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	records: readonly Record<string, string>[],
	fileName: string,
	lines: readonly number[] = [],
	/** Rows the file's reader could not read (a stray quote, the wrong number of fields): reported with the others' problems. */
	fileErrors: readonly RowError[] = []
): Promise<CsvImportResult> {
	requireCentreId(centreId);
	// The file's name is the uploader's to choose and goes into the audit log (jsonb refuses \u0000).
	fileName = withoutControlCharacters(fileName).slice(0, 255);
	if (records.length === 0)
		return {
			ok: false,
			errors: fileErrors.length
				? [...fileErrors]
				: [{ row: 2, message: 'The file has no candidate rows' }]
		};
	const rowOf = (i: number) => lines[i] ?? i + 2;
	// A NUL byte cannot be stored (PostgreSQL refuses it in text): name the row, as for any bad value.
	const withNul = records.flatMap((r, i) => {
		const field = findNul(r);
		return field === null
			? []
			: [{ row: rowOf(i), column: field, message: `${field} ${NUL_MESSAGE}` }];
	});
	if (withNul.length) return { ok: false, errors: byRow([...fileErrors, ...withNul]) };
	const someoneElseTookANumber = (): CsvImportResult => ({
		ok: false,
		errors: [
			{
				row: 1,
				message:
					'Someone registered one of these candidate numbers at the same moment; nothing from this file was saved. Upload it again to see which.'
			}
		]
	});
	// The file was checked against the numbers already registered; a registration landing meanwhile is caught by the constraint.
	return importInTransaction(db, actor, centreId, records, fileName, lines, fileErrors).catch(
		(err: unknown) => {
			if (violatedUniqueConstraint(err) === 'candidate_centre_number_key')
				return someoneElseTookANumber();
			throw err;
		}
	);
}

async function importInTransaction(
	db: Kysely<Database>,
	actor: Actor,
	centreId: string,
	records: readonly Record<string, string>[],
	fileName: string,
	lines: readonly number[],
	fileErrors: readonly RowError[]
): Promise<CsvImportResult> {
	const rowOf = (i: number) => lines[i] ?? i + 2;
	return db.transaction().execute(async (tx) => {
		const existing = await tx
			.selectFrom('candidate')
			.select('candidate_number')
			.where('centre_id', '=', centreId)
			.execute();
		const result = validateCandidateRows(
			records,
			new Set(existing.map((e) => e.candidate_number)),
			lines
		);
		if (!result.ok) return { ok: false as const, errors: byRow([...fileErrors, ...result.errors]) };
		const badDates = result.candidates.flatMap((c, i) => {
			const problem = birthDateProblem(c.date_of_birth);
			return problem ? [{ row: rowOf(i), column: 'date_of_birth', message: problem }] : [];
		});
		if (badDates.length || fileErrors.length)
			return { ok: false as const, errors: byRow([...fileErrors, ...badDates]) };
		await tx
			.insertInto('candidate')
			.values(result.candidates.map((c: CandidateInput) => ({ ...c, centre_id: centreId })))
			.execute();
		await writeAudit(tx, actor, {
			action: 'candidate.import_csv',
			centreId,
			subjectType: 'centre',
			subjectId: centreId,
			details: {
				file: fileName,
				count: result.candidates.length,
				numbers: result.candidates.map((c) => c.candidate_number)
			}
		});
		return { ok: true as const, count: result.candidates.length };
	});
}

function byRow(errors: RowError[]): RowError[] {
	return errors.sort((a, b) => a.row - b.row);
}
