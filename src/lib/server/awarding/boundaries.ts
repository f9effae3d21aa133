import { z } from 'zod';

import { boundariesAreValid } from '../../domain/bank-rules.js';
import type { Boundaries } from '../../domain/results.js';
import { ValidationError } from '../errors.js';
import { parse } from '../validation.js';

const boundariesSchema = z.object({
	// An entry that is not a number ("abc") gets the same plain message as a fraction, not zod's "received NaN".
	pass: z.coerce
		.number({ error: 'Pass mark must be a whole number' })
		.int('Pass mark must be a whole number'),
	first_class: z.coerce
		.number({ error: 'First class mark must be a whole number' })
		.int('First class mark must be a whole number')
});

/**
 * Boundaries typed on a form ({pass, first_class}), checked against the paper's total: the one check
 * behind saving them and previewing a move.
 */
export function checkBoundaries(input: unknown, totalMarks: number): Boundaries {
	const b = parse(boundariesSchema, input);
	if (!boundariesAreValid(b.pass, b.first_class, totalMarks)) {
		throw new ValidationError(
			`The pass mark must be more than 0 and less than the first class mark, and the first class mark at most ${totalMarks} (the paper's total).`,
			[{ field: 'pass', message: 'Check the pass mark' }]
		);
	}
	return { pass: b.pass, firstClass: b.first_class };
}
