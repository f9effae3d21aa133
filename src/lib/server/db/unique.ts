/**
 * Unique constraints decide "is this number already taken?" in the database, atomically: a check
 * before the insert would be a race (two registrations at once both pass it, then one fails with a
 * 500). Services insert, and turn the violation of a named constraint into their own error here.
 */

/** The name of the unique constraint (or unique index) an error from pg or PGlite violated, or null. */
export function violatedUniqueConstraint(err: unknown): string | null {
	if (typeof err !== 'object' || err === null) return null;
	const e = err as { code?: unknown; constraint?: unknown };
	return e.code === '23505' && typeof e.constraint === 'string' ? e.constraint : null;
}

/**
 * Runs `work`; if it violates one of the named unique constraints, throws what `errors` gives for
 * that name instead. Any other error passes through unchanged.
 */
export async function onUniqueViolation<T>(
	work: () => Promise<T>,
	errors: Readonly<Record<string, () => Error>>
): Promise<T> {
	try {
		return await work();
	} catch (err) {
		const name = violatedUniqueConstraint(err);
		const replacement = name ? errors[name] : undefined;
		if (replacement) throw replacement();
		throw err;
	}
}
