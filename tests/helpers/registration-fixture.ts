import type { Kysely } from 'kysely';

import { qualificationOfUnit } from '../../src/lib/domain/qualifications.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import {
	importRegistrations,
	registerForQualification
} from '../../src/lib/server/registrations/register.js';

/**
 * Registers candidates for a qualification through a unit route (default: 8992-11 through unit
 * 8992-111, the fixture bank's unit), as a centre must before booking them on a sitting.
 */
export async function registerCandidates(
	db: Kysely<Database>,
	centreId: string,
	candidateIds: readonly string[],
	route = '8992-11:8992-111'
) {
	for (const id of candidateIds)
		await registerForQualification(db, SYSTEM_ACTOR, centreId, { candidate_id: id, route });
}

/**
 * Registers candidates, in bulk, for the qualification a paper's unit leads to (the benches' and the
 * fault harness's thousands of candidates: one audited statement, as the demo registers its own).
 * A test unit outside the handbook needs none.
 */
export async function registerForPaper(
	db: Kysely<Database>,
	centreId: string,
	candidateIds: readonly string[],
	paperCode: string
): Promise<void> {
	const { unit_code } = await db
		.selectFrom('paper')
		.select('unit_code')
		.where('code', '=', paperCode)
		.executeTakeFirstOrThrow();
	if (qualificationOfUnit(unit_code))
		await importRegistrations(db, SYSTEM_ACTOR, centreId, candidateIds, unit_code, new Date());
}
