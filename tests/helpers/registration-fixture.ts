import type { Kysely } from 'kysely';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import type { Database } from '../../src/lib/server/db/schema.js';
import { registerForQualification } from '../../src/lib/server/registrations/index.js';

/**
 * Registers candidates for a qualification through a unit route (default: 8992-11 through unit
 * 8992-111, the fixture bank's unit), as a centre must before booking them on a sitting.
 */
export async function registerCandidates(db: Kysely<Database>, centreId: string, candidateIds: readonly string[], route = '8992-11:8992-111') {
	for (const id of candidateIds) await registerForQualification(db, SYSTEM_ACTOR, centreId, { candidate_id: id, route });
}
