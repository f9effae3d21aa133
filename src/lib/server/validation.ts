import { z } from 'zod';

import { ValidationError } from './errors.js';

/*
 * Checking what comes in from outside (forms, URLs, uploaded files) before it reaches a query.
 * Bad input is the caller's mistake and gets a 4xx with a reason; it must never reach PostgreSQL as
 * something the database itself refuses (a NUL byte in text: 22021; "-----" as a uuid: 22P02; a
 * timestamp out of range: 22008), because that surfaces as a 500 and an error in the log.
 */

/** Parses input with a schema; any problem becomes a ValidationError naming each field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	rejectNul(input);
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	const issues = result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
	throw new ValidationError(issues.map((i) => i.message).join('; '), issues);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid as PostgreSQL reads one: 8-4-4-4-12 hex digits (36 dashes are not one). */
export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value);
}

/** A schema for one id from a form. */
export const uuidSchema = (message: string) => z.string().trim().refine(isUuid, message);

/**
 * C0 control characters and DEL: never part of an id, a route parameter or a file name, and
 * dangerous in some (line breaks in a log line or a header, NUL in PostgreSQL text).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

export function hasControlCharacter(value: string): boolean {
	return new RegExp(CONTROL_CHARACTERS.source).test(value);
}

export function withoutControlCharacters(value: string): string {
	return value.replace(CONTROL_CHARACTERS, '');
}

/**
 * PostgreSQL cannot store U+0000 in text (error 22021), and no one types it: it only arrives from
 * a crafted request or a damaged file.
 */
export function hasNul(value: string): boolean {
	return value.includes('\0');
}

/**
 * The path ("email", "candidate_ids.2", "3.first_name") of the first string inside `input` that
 * holds a NUL character, or null when there is none.
 */
export function findNul(input: unknown, path: readonly (string | number)[] = []): string | null {
	return findText(input, hasNul, path);
}

/**
 * The path of the first string inside `input` that PostgreSQL cannot store as text or json: a NUL,
 * or a lone surrogate (half of a UTF-16 pair, which encodes no character: json refuses it, 22P02).
 * Only a crafted or damaged file holds either.
 */
export function findUnstorableText(input: unknown): string | null {
	return findText(input, (s) => hasNul(s) || !s.isWellFormed(), []);
}

function findText(
	input: unknown,
	bad: (s: string) => boolean,
	path: readonly (string | number)[]
): string | null {
	if (typeof input === 'string') return bad(input) ? path.join('.') || 'value' : null;
	if (Array.isArray(input)) {
		for (let i = 0; i < input.length; i++) {
			const found = findText(input[i], bad, [...path, i]);
			if (found) return found;
		}
		return null;
	}
	if (input && typeof input === 'object' && !(input instanceof Date)) {
		for (const [key, value] of Object.entries(input)) {
			// A key is text too (a CSV header, a form field name).
			if (bad(key)) return [...path, key].join('.');
			const found = findText(value, bad, [...path, key]);
			if (found) return found;
		}
	}
	return null;
}

export const NUL_MESSAGE = 'contains a character that is not allowed (NUL)';

/** Throws a ValidationError naming the field when any text inside `input` holds a NUL character. */
export function rejectNul(input: unknown): void {
	const field = findNul(input);
	if (field !== null)
		throw new ValidationError(`${field} ${NUL_MESSAGE}`, [
			{ field, message: `This ${NUL_MESSAGE}` }
		]);
}

/**
 * The text fields of a submitted form, as strings ('' when absent), refused with a ValidationError
 * when one holds a NUL character. For the routes that read fields themselves.
 */
export function textFields<K extends string>(
	data: FormData,
	keys: readonly K[]
): Record<K, string> {
	const values = Object.fromEntries(keys.map((k) => [k, String(data.get(k) ?? '')])) as Record<
		K,
		string
	>;
	rejectNul(values);
	return values;
}

/** The earliest and latest times a sitting may be booked for: anything else is a typing mistake. */
export const EARLIEST_BOOKING = new Date(Date.UTC(2000, 0, 1));
export const LATEST_BOOKING = new Date(Date.UTC(2100, 0, 1));

const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads a date and time as a `datetime-local` field sends it ("2026-11-24T10:00", in the server's
 * time zone) or as an ISO timestamp ("2026-11-24T10:00:00.000Z"). Only a real calendar date with a
 * four-digit year between `earliest` and `latest` is accepted: `new Date()` alone would take
 * "-000001-01-01T10:00" (year −1), "+275760-09-13" (beyond PostgreSQL's range) or "2026-02-31"
 * (quietly 3 March). Returns null for anything else.
 */
export function parseDateTime(
	value: string,
	earliest = EARLIEST_BOOKING,
	latest = LATEST_BOOKING
): Date | null {
	const m = DATE_TIME.exec(value.trim());
	if (!m) return null;
	const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(
		Number
	) as [number, number, number, number, number, number];
	if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
	const calendar = new Date(Date.UTC(year, month - 1, day));
	if (
		calendar.getUTCFullYear() !== year ||
		calendar.getUTCMonth() !== month - 1 ||
		calendar.getUTCDate() !== day
	)
		return null;
	const d = new Date(value.trim());
	if (Number.isNaN(d.getTime()) || d < earliest || d >= latest) return null;
	return d;
}

/** A schema for a date and time from a form (see parseDateTime). */
export const dateTimeSchema = (required: string, invalid: string) =>
	z
		.string()
		.trim()
		.min(1, required)
		.transform((v, ctx) => {
			const d = parseDateTime(v);
			if (!d) {
				ctx.addIssue({ code: 'custom', message: invalid });
				return z.NEVER;
			}
			return d;
		});
