import fc from 'fast-check';
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	ACTIVE_STATES,
	ATTEMPT_STATES,
	effectiveState,
	judgeSave,
	PAUSE_SAVE_GRACE_MS,
	transition,
	type AttemptState
} from '../../src/lib/domain/attempt.js';
import { scriptIsReady as scriptIsReadyTs } from '../../src/lib/domain/marking.js';
import { SAVE_GRACE_MS } from '../../src/lib/domain/timing.js';
import { factsOf } from '../../src/lib/server/attempts/attempt-store.js';
import {
	effectiveStateIs,
	isActive,
	judgeSaveAccepts,
	scriptIsReady,
	transitionAllowed,
	type BulkAction,
	type SaveWithin
} from '../../src/lib/server/attempts/rules.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import type { AttemptRow, Database } from '../../src/lib/server/db/schema.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeSitting } from '../helpers/sitting-fixture.js';

/*
 * Each SQL form in attempts/rules.ts against the TypeScript rule it writes out: generated attempt
 * rows (every state, times on and around each boundary, paused or not, extra time) are written to a
 * real database, and the statement must pick exactly the rows the TypeScript rule accepts.
 */

const ROWS = 8;
let h: DatabaseHandle;
let db: Kysely<Database>;
let ids: string[];
beforeAll(async () => {
	h = await createTestDatabase();
	db = h.db;
	const f = await makeSitting(db, ROWS);
	ids = f.candidates.map((c) => f.attemptOf(c.id));
});
afterAll(() => h.close());

const MIN = 60_000;
/** An offset from now: on a boundary the rules use, a millisecond either side of one, or anywhere. */
const offset = fc.oneof(
	fc
		.constantFrom(0, 1, -1, PAUSE_SAVE_GRACE_MS, SAVE_GRACE_MS)
		.chain((b) => fc.constantFrom(-b - 1, -b, -b + 1, b - 1, b, b + 1)),
	fc.integer({ min: -90 * MIN, max: 90 * MIN })
);
const instant = (now: Date) => fc.option(offset.map((ms) => new Date(now.getTime() + ms)));

type Generated = Omit<AttemptRow, 'id' | 'sitting_id' | 'candidate_id' | 'updated_at'>;

function rowFor(now: Date): fc.Arbitrary<Partial<Generated>> {
	return fc
		.record({
			state: fc.constantFrom(...ATTEMPT_STATES),
			pausedFrom: fc.constantFrom('reading' as const, 'in_progress' as const),
			pauseKind: fc.constantFrom('invigilator' as const, 'rest_break' as const),
			pausedAt: instant(now),
			readingEndsAt: instant(now),
			deadlineAt: instant(now),
			submittedAt: instant(now),
			submitReason: fc.option(
				fc.constantFrom('candidate', 'deadline', 'sitting_ended') as fc.Arbitrary<
					'candidate' | 'deadline' | 'sitting_ended'
				>
			),
			voidedFrom: fc.constantFrom(
				'not_started',
				'reading',
				'in_progress',
				'paused',
				'submitted'
			) as fc.Arbitrary<'not_started' | 'reading' | 'in_progress' | 'paused' | 'submitted'>,
			extraTime: fc.constantFrom(0, 25, 50),
			restBreaks: fc.boolean()
		})
		.map((g) => ({
			state: g.state,
			// The table's checks: a pause's kind only while paused, the state voided from only when void.
			paused_from: g.state === 'paused' ? g.pausedFrom : null,
			pause_kind: g.state === 'paused' ? g.pauseKind : null,
			paused_at: g.state === 'paused' ? g.pausedAt : null,
			voided_from: g.state === 'void' ? g.voidedFrom : null,
			reading_ends_at: g.readingEndsAt,
			deadline_at: g.deadlineAt,
			submitted_at: g.submittedAt,
			submit_reason: g.submitReason,
			extra_time_percent: g.extraTime,
			rest_breaks: g.restBreaks
		}));
}

const nowArb = fc.date({
	min: new Date('2026-01-01T00:00:00Z'),
	max: new Date('2027-01-01T00:00:00Z'),
	noInvalidDate: true
});
const cases = nowArb.chain((now) =>
	fc.record({
		now: fc.constant(now),
		rows: fc.array(rowFor(now), { minLength: ROWS, maxLength: ROWS })
	})
);

/** Writes the generated rows over the sitting's attempts and returns them as stored. */
async function store(rows: Partial<Generated>[]): Promise<AttemptRow[]> {
	for (const [i, r] of rows.entries())
		await db.updateTable('attempt').set(r).where('id', '=', ids[i]!).execute();
	return db.selectFrom('attempt').selectAll().where('id', 'in', ids).execute();
}

async function picked(condition: RawBuilder<SqlBool>): Promise<string[]> {
	const r = await db
		.selectFrom('attempt')
		.select('id')
		.where('id', 'in', ids)
		.where(condition)
		.execute();
	return r.map((x) => x.id).sort();
}

const idsWhere = (rows: AttemptRow[], rule: (a: AttemptRow) => boolean) =>
	rows
		.filter(rule)
		.map((a) => a.id)
		.sort();

/** Runs `check` on freshly stored rows for each generated case. */
function property(check: (rows: AttemptRow[], now: Date) => Promise<void>) {
	return fc.assert(
		fc.asyncProperty(cases, async ({ now, rows }) => check(await store(rows), now)),
		{ numRuns: 60 }
	);
}

describe('the SQL forms of the attempt rules pick exactly the rows the domain accepts', () => {
	it('judgeSaveAccepts(within) is judgeSave accepting for that reason', async () => {
		await property(async (rows, now) => {
			for (const within of ['answering', 'pause_grace', 'end_grace'] as SaveWithin[]) {
				const expected = idsWhere(rows, (a) => {
					const v = judgeSave(factsOf(a), now);
					return v.accept && v.within === within;
				});
				expect(await picked(judgeSaveAccepts(within, now)), within).toEqual(expected);
			}
		});
	});

	it('transitionAllowed(action) is transition(factsOf(row), action) succeeding', async () => {
		await property(async (rows, now) => {
			for (const action of ['end_reading', 'auto_submit', 'end_sitting', 'pause'] as BulkAction[])
				expect(await picked(transitionAllowed(action, now)), action).toEqual(
					idsWhere(rows, (a) => transition(factsOf(a), action, now).ok)
				);
		});
	});

	it('effectiveStateIs and isActive are effectiveState and ACTIVE_STATES', async () => {
		await property(async (rows, now) => {
			for (const s of ATTEMPT_STATES)
				expect(await picked(effectiveStateIs(s as AttemptState, now)), s).toEqual(
					idsWhere(rows, (a) => effectiveState(a.state, a.reading_ends_at, now) === s)
				);
			expect(await picked(isActive())).toEqual(
				idsWhere(rows, (a) => ACTIVE_STATES.includes(a.state))
			);
		});
	});

	it('scriptIsReady is marking’s scriptIsReady', async () => {
		await property(async (rows, now) => {
			for (const ended of [false, true])
				expect(await picked(scriptIsReady(sql<SqlBool>`${sql.lit(ended)}`, now))).toEqual(
					idsWhere(rows, (a) =>
						scriptIsReadyTs({ state: a.state, submittedAt: a.submitted_at }, ended, now)
					)
				);
		});
	});
});
