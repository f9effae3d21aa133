import { parse as parseCsv } from 'csv-parse/sync';
import { checkCandidateCsvHeader, type RowError } from '../../domain/candidates.js';

/* Reading an uploaded candidate file. Kept on the server: csv-parse needs Node's Buffer, and the
   domain module is also loaded by the centre's pages in the browser. */

export type ParsedCandidateCsv = { ok: true; records: Record<string, string>[]; lines: number[] } | { ok: false; message: string; errors: RowError[] };

/**
 * Reads an uploaded candidate file: header, then one record per row, each with the line it ends on
 * (so an error names the line a centre sees in their editor). Shape problems are reported here;
 * the values are checked by validateCandidateRows.
 */
export function parseCandidateCsv(text: string): ParsedCandidateCsv {
	let rows: { record: string[]; info: { lines: number } }[];
	try {
		// csv-parse's typings do not narrow on `info: true`: each row is { record, info }.
		rows = parseCsv(text.replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true, trim: true, info: true }) as unknown as typeof rows;
	} catch (err) {
		const line = (err as { lines?: number }).lines;
		return { ok: false, message: `not a readable CSV file${line ? ` (line ${line})` : ''}`, errors: [] };
	}
	const header = (rows[0]?.record ?? []).map((h) => h.toLowerCase());
	const headerProblem = checkCandidateCsvHeader(header);
	if (headerProblem) return { ok: false, message: headerProblem, errors: [] };
	const body = rows.slice(1);
	const badWidth = body.filter((r) => r.record.length !== header.length);
	if (badWidth.length) {
		return {
			ok: false,
			message: 'some rows have the wrong number of fields',
			errors: badWidth.map((r) => ({ row: r.info.lines, message: `Row has ${r.record.length} fields; the header has ${header.length}` }))
		};
	}
	return {
		ok: true,
		records: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r.record[i] ?? '']))),
		lines: body.map((r) => r.info.lines)
	};
}
