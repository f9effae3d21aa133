/**
 * Reading a JSON API request body: a body over the size limit, one that is not JSON, or one of the
 * wrong shape is refused with a ValidationError (400) saying which, so the endpoint's apiErrorFrom
 * answers `{"error": reason}`; never a 500 from a JSON.parse or a property read on `null`.
 */
import type { z } from 'zod';

import { ValidationError } from '../errors.js';

export interface ReadJsonOptions {
	/** Longest body accepted (characters); longer ones are refused after being read, so the connection stays usable. */
	maxBytes?: number;
	/** The reason given for a body that is not JSON at all. */
	malformed?: string;
	/** The reason given for JSON of the wrong shape; by default the schema's own messages. */
	invalid?: (issues: readonly z.core.$ZodIssue[]) => string;
}

export const MALFORMED_JSON = 'Malformed JSON';

export async function readJson<S extends z.ZodType>(
	request: Request,
	schema: S,
	options: ReadJsonOptions = {}
): Promise<z.output<S>> {
	const raw = await request.text();
	if (options.maxBytes !== undefined && raw.length > options.maxBytes)
		throw new ValidationError(`Request body over ${options.maxBytes} bytes`);
	let body: unknown;
	try {
		body = JSON.parse(raw);
	} catch {
		throw new ValidationError(options.malformed ?? MALFORMED_JSON);
	}
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const issues = parsed.error.issues;
	throw new ValidationError(
		options.invalid ? options.invalid(issues) : issues.map((i) => i.message).join('; '),
		issues.map((i) => ({ field: i.path.join('.'), message: i.message }))
	);
}
