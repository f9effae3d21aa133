import { sql, type Kysely, type RawBuilder } from 'kysely';

import { judgeThrottle, type ThrottlePolicy, type ThrottleRule } from '../../domain/throttle.js';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';

export type ThrottleKeyKind = Database['sign_in_throttle']['key_kind'];

export interface ThrottleCheck {
	kind: ThrottleKeyKind;
	key: string;
	policy: ThrottlePolicy;
	resetBySuccess: boolean;
}

/** Whose sign-in it is: a staff account (its email) or a candidate (`<centre number>:<candidate number>`). */
export interface SignInSubject {
	kind: 'account' | 'candidate';
	key: string;
}

const PAIR_KIND = {
	account: 'account_at_address',
	candidate: 'candidate_at_address'
} as const satisfies Record<SignInSubject['kind'], ThrottleKeyKind>;
// A room's address is counted apart from staff addresses: its limit is far looser.
const ADDRESS_PREFIX = { account: '', candidate: 'candidate:' } as const satisfies Record<
	SignInSubject['kind'],
	string
>;

/** JSON, so that no subject and address can spell another pair's key, and a subject's pairs share a prefix. */
function pairKey(subjectKey: string, address: string): string {
	return JSON.stringify([subjectKey, address]);
}

/** The keys a sign-in counts against, in the rules' order (the order they are counted and locked in). */
export function signInChecks(
	subject: SignInSubject,
	address: string,
	rules: readonly ThrottleRule[]
): ThrottleCheck[] {
	return rules.map(({ scope, policy, resetBySuccess }): ThrottleCheck => {
		switch (scope) {
			case 'pair':
				return {
					kind: PAIR_KIND[subject.kind],
					key: pairKey(subject.key, address),
					policy,
					resetBySuccess
				};
			case 'address':
				return {
					kind: 'address',
					key: ADDRESS_PREFIX[subject.kind] + address,
					policy,
					resetBySuccess
				};
			case 'subject':
				return { kind: subject.kind, key: subject.key, policy, resetBySuccess };
		}
	});
}

/** A sign-in let through: it stands as a failure on every key until `recordSuccess`. */
export interface GrantedAttempt {
	allowed: true;
	checks: readonly ThrottleCheck[];
	at: Date;
	/** Its rows in the sign-in history (sign_in_attempt), marked succeeded on success. */
	historyIds: number[];
}
export type Reservation =
	GrantedAttempt | { allowed: false; retryAfterSeconds: number; kind: ThrottleKeyKind };

const ts = (d: Date): RawBuilder<Date> => sql<Date>`${d}::timestamptz`;
const step = (i: number) => sql.raw(`s${i}`);

/**
 * One statement that writes each key's row in turn, in the checks' order, each step after the one
 * before has taken its row (it reads the previous step's RETURNING). Always the same order in every
 * statement here, so two statements never each hold a row the other waits for.
 * `gate` says whether a step runs at all, given the previous step's row `p`.
 */
function keyChain(
	checks: readonly ThrottleCheck[],
	now: Date,
	newFailures: RawBuilder<unknown>,
	set: (c: ThrottleCheck) => RawBuilder<unknown>,
	gate = sql`true`
): RawBuilder<unknown>[] {
	return checks.map((c, i) => {
		const row = sql`${c.kind}::text, ${c.key}::text, ${newFailures}, true, ${ts(now)}`;
		const source =
			i === 0 ? sql`values (${row})` : sql`select ${row} from ${step(i - 1)} p where ${gate}`;
		return sql`${step(i)} as (
			insert into sign_in_throttle as t (key_kind, key, failures, allowed, updated_at)
			${source}
			on conflict (key_kind, key) do update set ${set(c)}
			returning t.allowed, t.failures
		)`;
	});
}

/** The failures without one occurrence of `at` (an attempt reserved then, now settled otherwise). */
function withoutOne(at: Date): RawBuilder<unknown> {
	return sql`array(select f from unnest(t.failures) with ordinality as u(f, n) where n is distinct from array_position(t.failures, ${ts(at)}) order by n)`;
}

/**
 * Reserves one sign-in attempt against every key, before the password or keycode is looked at: if
 * every key has fewer than its limit of recent failures, one more failure is added to each and the
 * attempt may go ahead; otherwise nothing is added and the caller refuses it. Counting and adding
 * happen under each key's row lock (`insert … on conflict do update` sees and locks the newest
 * version of the row, even one committed after the statement began), so of N parallel attempts on a
 * key at most its limit get through, on PostgreSQL and on PGlite alike. No lock is held once this
 * returns: the slow part (Argon2) runs with nothing locked.
 *
 * Each key is counted only if the ones before it allowed the attempt (the rules' order explains
 * why). A key refusing after earlier keys took a failure gives those back straight away (a second
 * statement, on refusals only), so a refused attempt counts nowhere.
 *
 * The rule in SQL is judgeThrottle's: failures younger than the window count, and the attempt is
 * allowed below maxFailures. Only the newest maxFailures are kept: nothing older can matter.
 */
export async function reserveAttempt(
	db: Kysely<Database>,
	checks: readonly ThrottleCheck[],
	now = new Date()
): Promise<Reservation> {
	if (checks.length === 0) return { allowed: true, checks, at: now, historyIds: [] };
	const at = ts(now);
	const steps = keyChain(
		checks,
		now,
		sql`array[${at}]`,
		(c) => {
			const max = sql`${c.policy.maxFailures}::int`;
			const since = ts(new Date(now.getTime() - c.policy.windowMs));
			return sql`(failures, allowed, updated_at) = (
				select case when cardinality(r.recent) < ${max} then r.recent || ${at} else r.recent end, cardinality(r.recent) < ${max}, ${at}
				from (select array(select f from (select f from unnest(t.failures) f where f > ${since} order by f desc limit ${max}) newest order by f) as recent) r
			)`;
		},
		sql`p.allowed`
	);
	const last = step(checks.length - 1);
	// The history keeps the account (or candidate) and the address, as it always has; pairs are both.
	const logged = checks.filter(
		(c) => c.kind === 'account' || c.kind === 'candidate' || c.kind === 'address'
	);
	const history =
		logged.length > 0
			? sql`, history as (
				insert into sign_in_attempt (key_kind, key, succeeded, attempted_at)
				select v.kind, v.key, false, ${at} from (values ${sql.join(logged.map((c) => sql`(${c.kind}::text, ${c.key}::text)`))}) v(kind, key)
				where exists (select 1 from ${last} where ${last}.allowed)
				returning id
			)`
			: sql``;
	const results = checks.map(
		(_, i) =>
			sql`select ${sql.lit(i)} as step, allowed, failures, null::json as history_ids from ${step(i)}`
	);
	const historyRow =
		logged.length > 0
			? sql` union all select -1, null, null, (select json_agg(id) from history)`
			: sql``;
	const { rows } = await sql<{
		step: number;
		allowed: boolean | null;
		failures: Date[] | null;
		history_ids: number[] | null;
	}>`
		with ${sql.join(steps)}${history}
		${sql.join(results, sql` union all `)}${historyRow}`.execute(db);

	const byStep = new Map(rows.filter((r) => r.step >= 0).map((r) => [r.step, r]));
	const refused = checks.findIndex((_, i) => !byStep.get(i)?.allowed);
	if (refused === -1)
		return {
			allowed: true,
			checks,
			at: now,
			historyIds: rows.find((r) => r.step === -1)?.history_ids ?? []
		};

	if (refused > 0) await giveBack(db, checks.slice(0, refused), now);
	const check = checks[refused]!;
	const verdict = judgeThrottle(byStep.get(refused)?.failures ?? [], now, check.policy);
	return {
		allowed: false,
		retryAfterSeconds: verdict.allowed ? 1 : verdict.retryAfterSeconds,
		kind: check.kind
	};
}

/** Takes back the failure reserved at `now` on each key. */
async function giveBack(
	db: Kysely<Database>,
	checks: readonly ThrottleCheck[],
	now: Date
): Promise<void> {
	const steps = keyChain(
		checks,
		now,
		sql`'{}'::timestamptz[]`,
		() => sql`failures = ${withoutOne(now)}, updated_at = ${ts(now)}`
	);
	await sql`with ${sql.join(steps)} select count(*) from ${step(checks.length - 1)}`.execute(db);
}

/**
 * The attempt proved right: its reserved failure goes, and the keys a success resets (the pair)
 * lose all their failures. A wrong attempt needs nothing more: its failure is already counted.
 */
export async function recordSuccess(db: Kysely<Database>, attempt: GrantedAttempt): Promise<void> {
	if (attempt.checks.length === 0) return;
	const steps = keyChain(attempt.checks, attempt.at, sql`'{}'::timestamptz[]`, (c) =>
		c.resetBySuccess
			? sql`failures = '{}', updated_at = ${ts(attempt.at)}`
			: sql`failures = ${withoutOne(attempt.at)}, updated_at = ${ts(attempt.at)}`
	);
	const history =
		attempt.historyIds.length > 0
			? sql`, history as (update sign_in_attempt set succeeded = true where id in (${sql.join(attempt.historyIds)}))`
			: sql``;
	await sql`with ${sql.join(steps)}${history} select count(*) from ${step(attempt.checks.length - 1)}`.execute(
		db
	);
}

/**
 * Forgets a subject's failures, from every address, and its ceiling's: an invigilator letting a
 * locked-out candidate try again. The addresses' counts stay (they are other people's failures too).
 * Pairs first, then the subject, the order sign-ins lock them in.
 */
export async function clearSignInFailures(
	db: Db,
	subject: SignInSubject,
	now = new Date()
): Promise<void> {
	const cleared = { failures: sql<Date[]>`'{}'::timestamptz[]`, updated_at: now };
	const pairs = JSON.stringify([subject.key]).slice(0, -1) + ',';
	await db
		.updateTable('sign_in_throttle')
		.set(cleared)
		.where('key_kind', '=', PAIR_KIND[subject.kind])
		.where(sql<boolean>`starts_with(key, ${pairs})`)
		.execute();
	await db
		.updateTable('sign_in_throttle')
		.set(cleared)
		.where('key_kind', '=', subject.kind)
		.where('key', '=', subject.key)
		.execute();
}

/** Past every window by far: a row untouched this long holds nothing that still counts. */
export const SIGN_IN_THROTTLE_RETENTION_MS = 24 * 3600_000;

/** Deletes throttle rows untouched for longer than any window; returns how many. */
export async function pruneSignInThrottles(
	db: Kysely<Database>,
	now = new Date()
): Promise<number> {
	const r = await db
		.deleteFrom('sign_in_throttle')
		.where('updated_at', '<', new Date(now.getTime() - SIGN_IN_THROTTLE_RETENTION_MS))
		.executeTakeFirst();
	return Number(r.numDeletedRows);
}
