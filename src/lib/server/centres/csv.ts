import { parse as parseCsv } from 'csv-parse/sync';

import {
	checkCandidateCsvHeader,
	normaliseCsvHeader,
	type RowError
} from '../../domain/candidates.js';

/* Reading an uploaded candidate file. Kept on the server: csv-parse needs Node's Buffer, and the
   domain module is also loaded by the centre's pages in the browser. */

/**
 * The records of the rows that could be read, each with its line, and the problems of the rows
 * that could not (a stray quote, the wrong number of fields): those are reported with the value
 * problems of the other rows, so one bad line does not hide the rest.
 */
export type ParsedCandidateCsv =
	| { ok: true; records: Record<string, string>[]; lines: number[]; errors: RowError[] }
	| { ok: false; message: string; errors: RowError[] };

export const EMPTY_FILE = 'The file is empty';

type Row = { record: string[]; info: { lines: number } };
const OPTIONS = {
	skip_empty_lines: true,
	relax_column_count: true,
	trim: true,
	info: true
} as const;

/** The delimiter of the header line: comma, semicolon (Excel in much of Europe) or tab, whichever it has most of outside quotes. */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
	const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
	const counts = { ',': 0, ';': 0, '\t': 0 };
	let quoted = false;
	for (const ch of firstLine) {
		if (ch === '"') quoted = !quoted;
		else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
	}
	const best = (Object.keys(counts) as (keyof typeof counts)[]).reduce(
		(a, b) => (counts[b] > counts[a] ? b : a),
		','
	);
	return best;
}

function quoteProblem(err: unknown): string {
	const code = (err as { code?: string }).code ?? '';
	if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quote (") is opened and never closed';
	if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE')
		return 'a quote (") is followed by other characters in the same field';
	return 'this line is not readable as CSV (check its quotes)';
}

/**
 * Reads the file as a whole; when that fails (a stray quote), reads it line by line so the bad
 * lines are named and the others still checked. (Line by line a quoted field cannot span lines, so
 * this is only the fallback.)
 */
function readRows(text: string, delimiter: string): { rows: Row[]; errors: RowError[] } {
	try {
		// csv-parse's typings do not narrow on `info: true`: each row is { record, info }.
		return { rows: parseCsv(text, { ...OPTIONS, delimiter }) as unknown as Row[], errors: [] };
	} catch {
		const rows: Row[] = [];
		const errors: RowError[] = [];
		text.split(/\r?\n/).forEach((line, i) => {
			if (line.trim() === '') return;
			try {
				const [row] = parseCsv(line, { ...OPTIONS, delimiter }) as unknown as Row[];
				if (row) rows.push({ record: row.record, info: { lines: i + 1 } });
			} catch (err) {
				errors.push({ row: i + 1, message: quoteProblem(err) });
			}
		});
		return { rows, errors };
	}
}

/**
 * Reads an uploaded candidate file: header, then one record per row, each with the line it ends on
 * (so an error names the line a centre sees in their editor). The delimiter may be a comma, a
 * semicolon or a tab; header names match the expected ones ignoring case, spaces and underscores.
 * Shape problems are reported here; the values are checked by validateCandidateRows.
 */
export function parseCandidateCsv(text: string): ParsedCandidateCsv {
	text = text.replace(/^\uFEFF/, '');
	if (text.trim() === '') return { ok: false, message: EMPTY_FILE, errors: [] };
	const { rows, errors } = readRows(text, detectDelimiter(text));
	const headerRow = rows[0];
	if (!headerRow || headerRow.info.lines !== firstNonBlankLine(text)) {
		const headerError = errors.find((e) => e.row === firstNonBlankLine(text));
		return {
			ok: false,
			message: `the header row (line ${headerError?.row ?? 1}) is not readable: ${headerError?.message ?? 'no header'}`,
			errors: []
		};
	}
	const found = headerRow.record;
	const header = found.map(normaliseCsvHeader);
	const headerProblem = checkCandidateCsvHeader(header, found);
	if (headerProblem) return { ok: false, message: headerProblem, errors: [] };
	const body = rows.slice(1);
	const good = body.filter((r) => r.record.length === header.length);
	for (const r of body) {
		if (r.record.length !== header.length) {
			errors.push({
				row: r.info.lines,
				message: `the row has ${r.record.length} fields; the header has ${header.length} (is a comma or quote missing?)`
			});
		}
	}
	return {
		ok: true,
		records: good.map((r) => Object.fromEntries(header.map((h, i) => [h, r.record[i] ?? '']))),
		lines: good.map((r) => r.info.lines),
		errors: errors.sort((a, b) => a.row - b.row)
	};
}

function firstNonBlankLine(text: string): number {
	return text.split(/\r?\n/).findIndex((l) => l.trim() !== '') + 1;
}
