import type { Insertable, Selectable, Updateable } from 'kysely';

import type { DB } from './schema.generated.js';

/**
 * The database as the queries see it. The table types are generated from the migrations
 * (schema.generated.ts, `npm run db:types`; a test fails when they are stale); the names below are
 * the rows the services pass around.
 */
export type Database = DB;

export type CentreRow = Selectable<DB['centre']>;
export type AppUserRow = Selectable<DB['app_user']>;
export type MembershipRow = Selectable<DB['membership']>;
export type CandidateRow = Selectable<DB['candidate']>;
export type NewCandidate = Insertable<DB['candidate']>;
export type CandidateUpdate = Updateable<DB['candidate']>;
export type AuthSessionRow = Selectable<DB['auth_session']>;
export type AuditLogRow = Selectable<DB['audit_log']>;
export type PaperRow = Selectable<DB['paper']>;
export type PaperVersionRow = Selectable<DB['paper_version']>;
export type SittingRow = Selectable<DB['sitting']>;
export type AttemptRow = Selectable<DB['attempt']>;
export type ScriptRow = Selectable<DB['script']>;
export type AllocationRow = Selectable<DB['allocation']>;
export type MarkRow = Selectable<DB['mark']>;
