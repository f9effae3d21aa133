/** What happened in each sitting, read from its log for the awarding page (domain/sitting-record.ts). */
import { sittingRecord, type SittingRecord } from '../../domain/sitting-record.js';
import type { Db } from '../db/index.js';

/** The record of each of these sittings, by sitting id (a sitting with nothing logged is clean). */
export async function sittingRecords(
	db: Db,
	sittingIds: readonly string[]
): Promise<Map<string, SittingRecord>> {
	const records = new Map<string, SittingRecord>();
	if (sittingIds.length === 0) return records;
	const ids = [...sittingIds];
	const [events, attempts, kept] = await Promise.all([
		db
			.selectFrom('sitting_event as e')
			.leftJoin('attempt as a', 'a.id', 'e.attempt_id')
			.leftJoin('candidate as c', 'c.id', 'a.candidate_id')
			.select([
				'e.sitting_id',
				'e.kind',
				'e.minutes',
				'e.reason',
				'e.occurred_at',
				'c.candidate_number',
				'a.rest_breaks'
			])
			.where('e.sitting_id', 'in', ids)
			.orderBy('e.id')
			.execute(),
		db
			.selectFrom('attempt')
			.select((eb) => [
				'sitting_id',
				eb.fn.countAll<number>().filterWhere('state', '=', 'void').as('voided'),
				eb.fn.sum<number>('quarantine_overflow').as('overflow')
			])
			.where('sitting_id', 'in', ids)
			.groupBy('sitting_id')
			.execute(),
		db
			.selectFrom('save_quarantine as q')
			.innerJoin('attempt as a', 'a.id', 'q.attempt_id')
			.select((eb) => ['a.sitting_id', eb.fn.countAll<number>().as('kept')])
			.where('a.sitting_id', 'in', ids)
			.groupBy('a.sitting_id')
			.execute()
	]);
	// Grouped once, not filtered per sitting: a version may have hundreds of sittings. (No
	// Map.groupBy: Node 20 lacks it.)
	const logOf = new Map<string, typeof events>();
	for (const e of events) {
		const log = logOf.get(e.sitting_id);
		if (log) log.push(e);
		else logOf.set(e.sitting_id, [e]);
	}
	const attemptsOf = new Map(attempts.map((r) => [r.sitting_id, r]));
	const keptOf = new Map(kept.map((r) => [r.sitting_id, r.kept]));
	for (const id of ids) {
		const a = attemptsOf.get(id);
		records.set(
			id,
			sittingRecord({
				events: (logOf.get(id) ?? []).map((e) => ({
					kind: e.kind,
					candidateNumber: e.candidate_number,
					minutes: e.minutes,
					reason: e.reason,
					at: e.occurred_at,
					restBreaksArranged: e.rest_breaks
				})),
				voided: a?.voided ?? 0,
				refusedSaves: (keptOf.get(id) ?? 0) + Number(a?.overflow ?? 0)
			})
		);
	}
	return records;
}
