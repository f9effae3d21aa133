import { randomInt } from 'node:crypto';
import { sql } from 'kysely';

import { scriptNumberFrom } from '../../domain/marking.js';
import { scriptIsReady } from '../attempts/rules.js';
import type { Db } from '../db/index.js';
import { violatedUniqueConstraint } from '../db/unique.js';

/*
 * Scripts: a submitted attempt as markers know it. Everything a marker or moderator can load goes
 * through a script id and its number; the attempt id stays on the server, and nothing here selects
 * the candidate, the centre or the room.
 */

export function newScriptNumber(): string {
	return scriptNumberFrom(randomInt);
}

/**
 * Makes a script of every submitted attempt that is ready (its sitting ended, or the save grace
 * after submission passed: domain `scriptIsReady`, here as one statement) and has none yet.
 * Voided and absent attempts never qualify, nor any attempt of a mock sitting (the centre marks
 * those itself: they never reach the awarding body's markers). Safe to run from several processes at once: the
 * partial unique index on attempt_id keeps one live script per attempt. Returns how many were made.
 */
export async function createReadyScripts(
	db: Db,
	now: Date,
	paperVersionId?: string
): Promise<number> {
	const ready = await db
		.selectFrom('attempt as a')
		.innerJoin('sitting as s', 's.id', 'a.sitting_id')
		.leftJoin('script as sc', (j) =>
			j.onRef('sc.attempt_id', '=', 'a.id').on('sc.kind', '=', 'live')
		)
		.select(['a.id as attemptId', 's.paper_version_id as paperVersionId'])
		.where((eb) => scriptIsReady(eb('s.state', '=', 'ended'), now, 'a'))
		.where('s.purpose', '=', 'live')
		.where('sc.id', 'is', null)
		.$if(paperVersionId !== undefined, (q) => q.where('s.paper_version_id', '=', paperVersionId!))
		.execute();
	let made = 0;
	for (const r of ready) {
		// A clash of random numbers (one in 10^11) is retried; a clash on the attempt means another
		// process made this script first, which is fine.
		for (let tries = 0; tries < 5; tries++) {
			try {
				// The arbiter's predicate is written out: as a bound parameter (kind = $1) PostgreSQL could not
				// match it to the partial index and refused the insert (the demo's marked sitting found this).
				const inserted = await db
					.insertInto('script')
					.values({
						script_number: newScriptNumber(),
						paper_version_id: r.paperVersionId,
						attempt_id: r.attemptId,
						kind: 'live'
					})
					// The index's predicate as a literal: PostgreSQL infers a partial index from the
					// conflict target's WHERE only when it matches the predicate, which a bound parameter
					// does not (it fails on PostgreSQL once the statement is planned generically).
					.onConflict((oc) =>
						oc.column('attempt_id').where('kind', '=', sql.lit('live')).doNothing()
					)
					.returning('id')
					.executeTakeFirst();
				if (inserted) made++;
				break;
			} catch (err) {
				if (violatedUniqueConstraint(err) !== 'script_script_number_key') throw err;
			}
		}
	}
	return made;
}

/** A script's answers by item key (blank items are absent). Seeds show their source's answers. */
export async function scriptAnswers(db: Db, scriptId: string): Promise<Map<string, string>> {
	const rows = await db
		.selectFrom('script as sc')
		.innerJoin('response as r', 'r.attempt_id', 'sc.attempt_id')
		.select(['r.item_key as itemKey', 'r.text'])
		.where('sc.id', '=', scriptId)
		.execute();
	return new Map(rows.map((r) => [r.itemKey, r.text]));
}

/** Whether the attempt behind a script still stands (a submitted attempt voided later drops out of marking). */
export async function scriptStands(db: Db, scriptId: string): Promise<boolean> {
	const row = await db
		.selectFrom('script as sc')
		.innerJoin('attempt as a', 'a.id', 'sc.attempt_id')
		.select(sql<boolean>`a.state = 'submitted'`.as('stands'))
		.where('sc.id', '=', scriptId)
		.executeTakeFirst();
	return row?.stands ?? false;
}
