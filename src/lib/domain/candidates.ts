import { z } from './zod.js';

/**
 * Candidate records and access arrangements, as a centre enters them (form or CSV).
 *
 * Candidate numbers: four digits within a centre (0001…9999), the UK exam-entry convention. A number
 * of one to three digits is padded ("42" → "0042"), since spreadsheets drop leading zeros from a CSV.
 * Records made before this rule may hold other numbers; they stay readable, and lists sort them
 * after the four-digit ones (compareCandidateNumbers), but new and corrected numbers must fit.
 */
export const CANDIDATE_NUMBER_HINT = 'Four digits, e.g. 0042';
export const CANDIDATE_NUMBER_PROBLEM = 'Candidate number must be four digits, e.g. 0042';

/**
 * A candidate number as typed, in the register's form: one to four digits padded to four ("42" →
 * "0042"); anything else trimmed and upper-cased as it is (an older record's number, or a typing
 * mistake that then matches nothing). The register, the CSV import and the candidate's sign-in all
 * read numbers through this, so "42" means the same candidate everywhere.
 */
export function normaliseCandidateNumber(typed: string): string {
	const s = typed.trim();
	return /^\d{1,4}$/.test(s) ? s.padStart(4, '0') : s.toUpperCase();
}

export const candidateNumberSchema = z
	.string()
	.trim()
	.min(1, 'Candidate number is required')
	.regex(/^(\d{1,4})?$/, CANDIDATE_NUMBER_PROBLEM)
	.transform(normaliseCandidateNumber);

/**
 * Characters that have no place in a person's name: C0 and C1 control characters and DEL (line
 * breaks and tabs among them), the Unicode line and paragraph separators, and the bidirectional
 * embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069), which make a name
 * display as something other than what is stored ("Trojan Source") on the register, slips and reports.
 */
export const UNSAFE_NAME_CHARACTERS =
	// eslint-disable-next-line no-control-regex -- matching control characters is the point
	/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export function hasUnsafeNameCharacter(value: string): boolean {
	return UNSAFE_NAME_CHARACTERS.test(value);
}

/** A first or last name: required, at most 100 characters, none of UNSAFE_NAME_CHARACTERS. */
const personName = (label: string) =>
	z
		.string()
		.trim()
		.min(1, `${label} is required`)
		.max(100, `${label} is at most 100 characters`)
		.refine(
			(v) => !hasUnsafeNameCharacter(v),
			`${label} must not contain line breaks, tabs, control characters or text-direction characters`
		);

/** Numeric order: all-digit numbers by value, then anything else as text. */
export function compareCandidateNumbers(a: string, b: string): number {
	const da = /^\d+$/.test(a);
	const db = /^\d+$/.test(b);
	if (da && db) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
	if (da !== db) return da ? -1 : 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

const yesNo = z
	.union([z.boolean(), z.string()])
	.optional()
	.transform((v, ctx) => {
		if (v === undefined || v === '' || v === false) return false;
		if (v === true) return true;
		const s = v.trim().toLowerCase();
		if (['yes', 'y', 'true', '1', 'on'].includes(s)) return true;
		if (['no', 'n', 'false', '0', 'off'].includes(s)) return false;
		ctx.addIssue({ code: 'custom', message: `must be yes or no, not "${v}"` });
		return z.NEVER;
	});

export const ALLOWED_EXTRA_TIME = [0, 10, 15, 25, 50, 100] as const;

const extraTime = z
	.union([z.number(), z.string()])
	.optional()
	.transform((v, ctx) => {
		const raw = typeof v === 'string' ? v.trim().replace(/%$/, '') : v;
		if (raw === undefined || raw === '') return 0;
		const n = typeof raw === 'number' ? raw : Number(raw);
		if (!Number.isInteger(n) || !(ALLOWED_EXTRA_TIME as readonly number[]).includes(n)) {
			ctx.addIssue({
				code: 'custom',
				message: `Extra time must be one of ${ALLOWED_EXTRA_TIME.join(', ')} (per cent), not "${v}"`
			});
			return z.NEVER;
		}
		return n;
	});

const dateOfBirth = z
	.string()
	.trim()
	.optional()
	.transform((v, ctx) => {
		if (!v) return null;
		const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
		const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : null;
		if (!m || !d || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!) {
			ctx.addIssue({
				code: 'custom',
				message: `Date of birth must be a date as YYYY-MM-DD, not "${v}"`
			});
			return z.NEVER;
		}
		return v;
	});

export const candidateInputSchema = z.object({
	candidate_number: candidateNumberSchema,
	first_name: personName('First name'),
	last_name: personName('Last name'),
	date_of_birth: dateOfBirth,
	extra_time_percent: extraTime,
	rest_breaks: yesNo,
	reader: yesNo,
	scribe: yesNo,
	arrangement_notes: z
		.string()
		.trim()
		.max(1000, 'Notes are at most 1000 characters')
		.optional()
		.transform((v) => v ?? '')
});

export type CandidateInput = z.output<typeof candidateInputSchema>;

export const arrangementsSchema = candidateInputSchema.pick({
	extra_time_percent: true,
	rest_breaks: true,
	reader: true,
	scribe: true,
	arrangement_notes: true
});
export type AccessArrangements = z.output<typeof arrangementsSchema>;

/** The CSV columns a centre uploads, in order. Only the first three are required. */
export const CANDIDATE_CSV_COLUMNS = [
	'candidate_number',
	'first_name',
	'last_name',
	'date_of_birth',
	'extra_time_percent',
	'rest_breaks',
	'reader',
	'scribe',
	'arrangement_notes'
] as const;

export interface RowError {
	/** 1-based line number in the file, counting the header as line 1. */
	row: number;
	/** The column the problem is in (its name in the expected header), when it is one column's. */
	column?: string;
	message: string;
}

/** "Row 3, rest_breaks: must be yes or no, not "maybe"" – how a row's problem is shown. */
export function describeRowError(e: RowError): string {
	return `Row ${e.row}${e.column ? `, ${e.column}` : ''}: ${e.message}`;
}

/** "1 problem", "6 problems". */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
	return `${n} ${n === 1 ? noun : plural}`;
}

export type CsvValidation =
	{ ok: true; candidates: CandidateInput[] } | { ok: false; errors: RowError[] };

/**
 * Validates parsed CSV records (objects keyed by header). Every row is checked so the centre sees
 * all problems at once; duplicates are reported within the file and against `existingNumbers`.
 */
export function validateCandidateRows(
	records: readonly Record<string, string>[],
	existingNumbers: ReadonlySet<string> = new Set(),
	/** Each record's line in the file (blank lines and quoted line breaks move them); default: header + index. */
	lines: readonly number[] = []
): CsvValidation {
	const errors: RowError[] = [];
	const candidates: CandidateInput[] = [];
	const firstSeen = new Map<string, number>();
	records.forEach((record, index) => {
		const row = lines[index] ?? index + 2;
		const parsed = candidateInputSchema.safeParse(record);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				const field = issue.path.join('.');
				const message =
					issue.code === 'invalid_type' && record[field] === undefined
						? `${field} is missing`
						: issue.message;
				errors.push({ row, column: field, message });
			}
			return;
		}
		const number = parsed.data.candidate_number;
		const earlier = firstSeen.get(number);
		if (earlier !== undefined) {
			errors.push({
				row,
				column: 'candidate_number',
				message: `Candidate number ${number} is repeated (first on row ${earlier})`
			});
			return;
		}
		firstSeen.set(number, row);
		if (existingNumbers.has(number)) {
			errors.push({
				row,
				column: 'candidate_number',
				message: `Candidate number ${number} is already registered at this centre`
			});
			return;
		}
		candidates.push(parsed.data);
	});
	return errors.length ? { ok: false, errors } : { ok: true, candidates };
}

const REQUIRED_CSV_COLUMNS = ['candidate_number', 'first_name', 'last_name'] as const;

/** Other names centres give the columns (after normalising case, spaces and underscores). */
const HEADER_ALIASES: Record<string, (typeof CANDIDATE_CSV_COLUMNS)[number]> = {
	candidate_no: 'candidate_number',
	cand_no: 'candidate_number',
	candidate: 'candidate_number',
	forename: 'first_name',
	given_name: 'first_name',
	firstname: 'first_name',
	surname: 'last_name',
	family_name: 'last_name',
	lastname: 'last_name',
	dob: 'date_of_birth',
	birth_date: 'date_of_birth',
	extra_time: 'extra_time_percent',
	extra_time_percentage: 'extra_time_percent',
	rest_break: 'rest_breaks',
	notes: 'arrangement_notes'
};

/**
 * The expected column a header cell names, matching case-, space-, hyphen- and underscore-
 * insensitively ("Candidate Number", "candidate-number", "CANDIDATE_NUMBER"), plus a few common
 * other names ("Surname", "DOB"); unknown headers are returned normalised.
 */
export function normaliseCsvHeader(cell: string): string {
	const key = cell
		.trim()
		.toLowerCase()
		.replace(/[\s_\-.]+/g, '_')
		.replace(/^_|_$/g, '')
		.replace(/_?%$/, '');
	if ((CANDIDATE_CSV_COLUMNS as readonly string[]).includes(key)) return key;
	return HEADER_ALIASES[key] ?? HEADER_ALIASES[key.replace(/_/g, '')] ?? key;
}

/**
 * Checks a CSV header (already normalised): every required column present, no unknown column,
 * none repeated. `found` is the header as the file has it, to name in the message.
 */
export function checkCandidateCsvHeader(
	header: readonly string[],
	found: readonly string[] = header
): string | null {
	const missing = REQUIRED_CSV_COLUMNS.filter((c) => !header.includes(c));
	const foundList = found.filter((f) => f.trim() !== '').map((f) => `"${f.trim()}"`);
	const foundText = foundList.length
		? `The columns found were ${foundList.join(', ')}`
		: 'No column names were found';
	if (missing.length) {
		return `The header row has no ${missing.join(', ')} column. ${foundText}; expected ${REQUIRED_CSV_COLUMNS.join(', ')} (and optionally ${CANDIDATE_CSV_COLUMNS.slice(3).join(', ')})`;
	}
	const unknown = header.flatMap((c, i) =>
		(CANDIDATE_CSV_COLUMNS as readonly string[]).includes(c) ? [] : [found[i]?.trim() || c]
	);
	if (unknown.length) {
		return `The header row has unknown column(s): ${unknown.join(', ')}. Expected columns: ${CANDIDATE_CSV_COLUMNS.join(', ')}`;
	}
	const repeated = header.filter((c, i) => header.indexOf(c) !== i);
	if (repeated.length)
		return `The header row repeats the column(s): ${[...new Set(repeated)].join(', ')}`;
	return null;
}
