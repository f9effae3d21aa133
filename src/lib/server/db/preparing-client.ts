import pg from 'pg';

/** A statement is prepared on a connection once it has run this many times there. */
const RUNS_BEFORE_PREPARING = 3;
/** At most this many prepared statements per connection; later ones run unprepared. */
const MAX_PREPARED_PER_CONNECTION = 200;
/** Statements counted but not yet prepared, per connection, before the counts start afresh. */
const MAX_COUNTED_PER_CONNECTION = 2000;

type Query = (...args: unknown[]) => unknown;

/**
 * A pg connection that prepares the statements it runs again and again (the autosave, the session
 * check, the clock): PostgreSQL then stops parsing and planning them on every call. Planning was two
 * thirds of the autosave statement's time in the database (0.3 ms of 0.5 ms, EXPLAIN ANALYZE), and
 * a hall of candidates runs the same few statements thousands of times a minute.
 *
 * Only statements seen several times are prepared, and only so many per connection, so SQL built
 * afresh each time (a bulk insert of a CSV's rows) never piles up in the server. Set
 * DB_PREPARED_STATEMENTS=off behind a connection pooler that cannot carry prepared statements.
 */
export class PreparingClient extends pg.Client {
	readonly #names = new Map<string, string>();
	readonly #runs = new Map<string, number>();

	constructor(config?: string | pg.ClientConfig) {
		super(config);
		const query = this.query.bind(this) as Query;
		// Kysely calls query(text, values) and awaits the promise; every other form passes through.
		this.query = ((...args: unknown[]) => {
			const [text, values] = args;
			if (args.length === 2 && typeof text === 'string' && Array.isArray(values)) {
				const name = this.#nameFor(text);
				if (name) return query({ name, text, values });
			}
			return query(...args);
		}) as pg.Client['query'];
	}

	#nameFor(text: string): string | undefined {
		const known = this.#names.get(text);
		if (known) return known;
		const runs = (this.#runs.get(text) ?? 0) + 1;
		if (runs < RUNS_BEFORE_PREPARING || this.#names.size >= MAX_PREPARED_PER_CONNECTION) {
			if (this.#runs.size >= MAX_COUNTED_PER_CONNECTION) this.#runs.clear();
			this.#runs.set(text, runs);
			return undefined;
		}
		this.#runs.delete(text);
		const name = `s${this.#names.size + 1}`;
		this.#names.set(text, name);
		return name;
	}

	/** How many statements this connection has prepared (for tests and diagnostics). */
	get preparedCount(): number {
		return this.#names.size;
	}
}
