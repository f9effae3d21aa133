import { z } from './zod.js';

/**
 * Candidate records and access arrangements, as a centre enters them (form or CSV).
 * Candidate numbers: 1–12 letters or digits, kept upper-case so "ab12" and "AB12" are one candidate.
 */
export const candidateNumberSchema = z
	.string()
	.trim()
	.min(1, 'Candidate number is required')
	.max(12, 'Candidate number is at most 12 characters')
	.regex(/^[A-Za-z0-9]*$/, 'Candidate number may contain only letters and digits')
	.transform((s) => s.toUpperCase());

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
			ctx.addIssue({ code: 'custom', message: `Date of birth must be a date as YYYY-MM-DD, not "${v}"` });
			return z.NEVER;
		}
		return v;
	});

export const candidateInputSchema = z.object({
	candidate_number: candidateNumberSchema,
	first_name: z.string().trim().min(1, 'First name is required').max(100),
	last_name: z.string().trim().min(1, 'Last name is required').max(100),
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
	message: string;
}

export type CsvValidation = { ok: true; candidates: CandidateInput[] } | { ok: false; errors: RowError[] };

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
				const message = issue.code === 'invalid_type' && record[field] === undefined ? `${field} is missing` : issue.message;
				errors.push({ row, message });
			}
			return;
		}
		const number = parsed.data.candidate_number;
		const earlier = firstSeen.get(number);
		if (earlier !== undefined) {
			errors.push({ row, message: `Candidate number ${number} is repeated (first on row ${earlier})` });
			return;
		}
		firstSeen.set(number, row);
		if (existingNumbers.has(number)) {
			errors.push({ row, message: `Candidate number ${number} is already registered at this centre` });
			return;
		}
		candidates.push(parsed.data);
	});
	return errors.length ? { ok: false, errors } : { ok: true, candidates };
}

/** Checks a CSV header: every required column present, no unknown column. */
export function checkCandidateCsvHeader(header: readonly string[]): string | null {
	const required = ['candidate_number', 'first_name', 'last_name'];
	const missing = required.filter((c) => !header.includes(c));
	if (missing.length) return `The header row is missing the column(s): ${missing.join(', ')}`;
	const unknown = header.filter((c) => !(CANDIDATE_CSV_COLUMNS as readonly string[]).includes(c));
	if (unknown.length) return `The header row has unknown column(s): ${unknown.join(', ')}`;
	const repeated = header.filter((c, i) => header.indexOf(c) !== i);
	if (repeated.length) return `The header row repeats the column(s): ${[...new Set(repeated)].join(', ')}`;
	return null;
}
