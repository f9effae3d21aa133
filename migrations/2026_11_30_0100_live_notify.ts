import { sql, type Kysely } from 'kysely';

// Frozen once landed: never import application code here.
//
// Live changes (issue 13): the database itself announces every change of an attempt or a sitting
// on the channel `exam_live`, so every app process (each LISTENing on its own connection) can push
// it to the candidate pages and consoles it serves, whichever process made the change. Payloads are
// small, `<kind>:<sitting id>[:<attempt id>]`; readers load the current state themselves.
//   a  an attempt row changed (state, clock, pause, extra time, attendance, move, …)
//   s  a sitting row changed (started, ended, cancelled, …)
//   e  the sitting's log gained an entry (pause, incident, void, …)
// Not announced here, because they come hundreds a second and would serialise commits (a NOTIFY
// takes a database-wide lock at commit): a save touching `last_saved_at`, a refused save counted in
// `quarantine_overflow`, and a candidate signing in (the log's `candidate_sign_in`). The app
// announces those itself after commit, gathered per sitting (src/lib/server/live/publish.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
	await sql`
		create function live_notify_attempt() returns trigger language plpgsql as $$
		begin
			perform pg_notify('exam_live', 'a:' || new.sitting_id || ':' || new.id);
			return null;
		end $$`.execute(db);
	await sql`
		create trigger attempt_live_insert after insert on attempt
		for each row execute function live_notify_attempt()`.execute(db);
	await sql`
		create trigger attempt_live_update after update on attempt
		for each row
		when ((to_jsonb(old) - 'last_saved_at' - 'quarantine_overflow' - 'last_seen_at' - 'updated_at')
			is distinct from (to_jsonb(new) - 'last_saved_at' - 'quarantine_overflow' - 'last_seen_at' - 'updated_at'))
		execute function live_notify_attempt()`.execute(db);
	await sql`
		create function live_notify_sitting() returns trigger language plpgsql as $$
		begin
			perform pg_notify('exam_live', 's:' || new.id);
			return null;
		end $$`.execute(db);
	await sql`
		create trigger sitting_live_update after update on sitting
		for each row when (old.* is distinct from new.*)
		execute function live_notify_sitting()`.execute(db);
	await sql`
		create function live_notify_sitting_event() returns trigger language plpgsql as $$
		begin
			perform pg_notify('exam_live', 'e:' || new.sitting_id || coalesce(':' || new.attempt_id, ''));
			return null;
		end $$`.execute(db);
	await sql`
		create trigger sitting_event_live after insert on sitting_event
		for each row when (new.kind <> 'candidate_sign_in')
		execute function live_notify_sitting_event()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
	throw new Error('Migrations are forward-only');
}
