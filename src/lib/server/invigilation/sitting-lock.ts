/** The sitting an invigilator acts on, locked for the action's transaction. */
import type { Transaction } from 'kysely';

import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';

export async function sittingFor(tx: Transaction<Database>, sittingId: string) {
	const s = await tx
		.selectFrom('sitting as s')
		.innerJoin('paper_version as v', 'v.id', 's.paper_version_id')
		.select([
			's.id',
			's.state',
			's.centre_id',
			's.scheduled_at',
			's.ended_at',
			's.started_at',
			's.late_entry_minutes',
			's.paper_version_id',
			'v.reading_minutes',
			'v.duration_minutes'
		])
		.where('s.id', '=', sittingId)
		.forUpdate('s')
		.executeTakeFirst();
	if (!s) throw new NotFoundError('No such sitting');
	return s;
}
