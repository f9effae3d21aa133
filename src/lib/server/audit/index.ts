import { sql, type Kysely } from 'kysely';

import { centreDateTime, startOfDayIn } from '../../domain/centre-time.js';
import type { AuditLogRow, Database } from '../db/schema.js';

/** "2026-11-28" → "2026-11-29". */
const nextDay = (day: string) =>
	new Date(new Date(`${day}T00:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10);

/** Who did something: a signed-in official, a candidate, or the system itself. */
export interface Actor {
	userId: string | null;
	label: string;
	ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };

export interface AuditEntry {
	action: string;
	centreId?: string | null;
	subjectType?: string;
	subjectId?: string;
	details?: Record<string, unknown>;
}

/** Appends one entry to the audit log. Pass the transaction that made the change, so both commit together. */
export async function writeAudit(
	db: Kysely<Database>,
	actor: Actor,
	entry: AuditEntry
): Promise<void> {
	await db
		.insertInto('audit_log')
		.values({
			actor_user_id: actor.userId,
			actor_label: actor.label,
			action: entry.action,
			centre_id: entry.centreId ?? null,
			subject_type: entry.subjectType ?? null,
			subject_id: entry.subjectId ?? null,
			details: JSON.stringify(entry.details ?? {}),
			ip: actor.ip ?? null
		})
		.execute();
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
	/** Part of the actor's email or label ("system", "candidate 0001"), any case. */
	actor?: string;
	/** An action code exactly, e.g. "candidate.correct". */
	action?: string;
	/** Part of a subject's name: a candidate's number or name, a centre's number or name, a user's email, or an id. */
	subject?: string;
	/** Inclusive dates (UTC), YYYY-MM-DD. */
	from?: string;
	to?: string;
	/** 1-based. */
	page?: number;
}

export interface AuditPageEntry {
	id: number;
	occurredAt: Date;
	actor: string;
	action: string;
	subjectType: string | null;
	subjectId: string | null;
	/** The subject by name: "candidate 0003 Ann Lee", "centre 900001 Demo", a user's email. */
	subject: string;
	details: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The ids of the records whose name matches the search, to filter subjects by name (at most a few hundred of each kind). */
async function subjectIdsMatching(db: Kysely<Database>, text: string): Promise<string[]> {
	const like = likePattern(text.toLowerCase());
	const [cands, centres, users] = await Promise.all([
		db
			.selectFrom('candidate')
			.select('id')
			.where((eb) =>
				eb.or([
					eb(eb.fn('lower', ['candidate_number']), 'like', like),
					eb(sql<string>`lower(first_name || ' ' || last_name)`, 'like', like)
				])
			)
			.limit(500)
			.execute(),
		db
			.selectFrom('centre')
			.select('id')
			.where((eb) =>
				eb.or([eb('number', 'like', like), eb(eb.fn('lower', ['name']), 'like', like)])
			)
			.limit(500)
			.execute(),
		db
			.selectFrom('app_user')
			.select('id')
			.where((eb) =>
				eb.or([
					eb(eb.fn('lower', ['email']), 'like', like),
					eb(eb.fn('lower', ['display_name']), 'like', like)
				])
			)
			.limit(500)
			.execute()
	]);
	return [...cands, ...centres, ...users].map((r) => r.id);
}

/** Names for the subjects of a page of entries, looked up once per kind. */
async function subjectNames(
	db: Kysely<Database>,
	rows: readonly AuditLogRow[]
): Promise<Map<string, string>> {
	const idsOf = (type: string) => [
		...new Set(
			rows
				.filter((r) => r.subject_type === type && r.subject_id && UUID.test(r.subject_id))
				.map((r) => r.subject_id!)
		)
	];
	const names = new Map<string, string>();
	const [cands, centres, users, sittings] = [
		idsOf('candidate'),
		idsOf('centre'),
		idsOf('user'),
		idsOf('sitting')
	];
	if (cands.length) {
		for (const c of await db
			.selectFrom('candidate')
			.select(['id', 'candidate_number', 'first_name', 'last_name'])
			.where('id', 'in', cands)
			.execute()) {
			names.set(
				`candidate:${c.id}`,
				`candidate ${c.candidate_number} ${c.first_name} ${c.last_name}`
			);
		}
	}
	if (centres.length) {
		for (const c of await db
			.selectFrom('centre')
			.select(['id', 'number', 'name'])
			.where('id', 'in', centres)
			.execute()) {
			names.set(`centre:${c.id}`, `centre ${c.number} ${c.name}`);
		}
	}
	if (users.length) {
		for (const u of await db
			.selectFrom('app_user')
			.select(['id', 'email'])
			.where('id', 'in', users)
			.execute())
			names.set(`user:${u.id}`, u.email);
	}
	if (sittings.length) {
		const rowsS = await db
			.selectFrom('sitting as s')
			.innerJoin('centre as c', 'c.id', 's.centre_id')
			.select(['s.id', 's.room', 's.scheduled_at', 'c.number'])
			.where('s.id', 'in', sittings)
			.execute();
		for (const s of rowsS)
			names.set(
				`sitting:${s.id}`,
				`sitting at ${s.number}, ${s.room}, ${centreDateTime(s.scheduled_at, { seconds: false })}`
			);
	}
	return names;
}

function nameOf(r: AuditLogRow, names: Map<string, string>): string {
	if (!r.subject_type) return '';
	const known = names.get(`${r.subject_type}:${r.subject_id}`);
	if (known) return known;
	const d = r.details ?? {};
	// A deleted candidate keeps their number and name in the entry that deleted them.
	if (r.subject_type === 'candidate' && typeof d.candidate_number === 'string') {
		return `candidate ${d.candidate_number}${typeof d.first_name === 'string' ? ` ${d.first_name} ${d.last_name ?? ''}`.trimEnd() : ''}`;
	}
	if (r.subject_type === 'paper' || r.subject_type === 'paper_version')
		return `paper ${r.subject_id ?? ''}`.trim();
	return `${r.subject_type.replace(/_/g, ' ')} ${r.subject_id ?? ''}`.trim();
}

/** One page of the audit log, newest first, filtered; `hasNext` when an older page exists. */
export async function listAuditPage(
	db: Kysely<Database>,
	filter: AuditFilter
): Promise<{ entries: AuditPageEntry[]; page: number; hasNext: boolean }> {
	const page = Math.max(1, Math.min(10_000, Math.floor(filter.page ?? 1)));
	let q = db.selectFrom('audit_log').selectAll();
	if (filter.actor?.trim())
		q = q.where((eb) =>
			eb(eb.fn('lower', ['actor_label']), 'like', likePattern(filter.actor!.trim().toLowerCase()))
		);
	if (filter.action?.trim()) q = q.where('action', '=', filter.action.trim());
	// Days as the centres' calendar has them (the page shows times in that zone too).
	if (filter.from) q = q.where('occurred_at', '>=', startOfDayIn(filter.from));
	if (filter.to) q = q.where('occurred_at', '<', startOfDayIn(nextDay(filter.to)));
	const subject = filter.subject?.trim();
	if (subject) {
		const ids = await subjectIdsMatching(db, subject);
		q = q.where((eb) =>
			eb.or([eb('subject_id', '=', subject), ...(ids.length ? [eb('subject_id', 'in', ids)] : [])])
		);
	}
	const rows = await q
		.orderBy('id', 'desc')
		.limit(AUDIT_PAGE_SIZE + 1)
		.offset((page - 1) * AUDIT_PAGE_SIZE)
		.execute();
	const pageRows = rows.slice(0, AUDIT_PAGE_SIZE);
	const names = await subjectNames(db, pageRows);
	return {
		page,
		hasNext: rows.length > AUDIT_PAGE_SIZE,
		entries: pageRows.map((r) => ({
			id: Number(r.id),
			occurredAt: r.occurred_at,
			actor: r.actor_label,
			action: r.action,
			subjectType: r.subject_type,
			subjectId: r.subject_id,
			subject: nameOf(r, names),
			details: r.details ?? {}
		}))
	};
}

/** The actions that occur in the log, for the filter's list. */
export async function listAuditActions(db: Kysely<Database>): Promise<string[]> {
	return (
		await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute()
	).map((r) => r.action);
}
