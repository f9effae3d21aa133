/**
 * Whether an error means the database cannot take the request just now, rather than that the
 * request is wrong: the server restarting or unreachable, a connection cut, the database refusing
 * writes (read-only: a standby after a failover, or an operator's switch) or out of disk. Such a
 * request may simply be sent again later, and the candidate's answer is kept in the browser meanwhile.
 */
const SQLSTATE_UNAVAILABLE = new Set([
	'25006', // read_only_sql_transaction
	'57P01', // admin_shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now (starting up, shutting down, in recovery)
	'53000', // insufficient_resources
	'53100', // disk_full
	'53200', // out_of_memory
	'53300' // too_many_connections
]);
const NODE_UNAVAILABLE = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN'
]);

export function databaseUnavailable(err: unknown): boolean {
	if (typeof err !== 'object' || err === null) return false;
	const code = 'code' in err ? String((err as { code: unknown }).code) : '';
	// Class 08: connection exceptions.
	if (SQLSTATE_UNAVAILABLE.has(code) || code.startsWith('08') || NODE_UNAVAILABLE.has(code))
		return true;
	const message = err instanceof Error ? err.message : '';
	// pg's own words when the server goes away under a query or the pool cannot connect.
	if (
		/^Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable/i.test(
			message
		)
	)
		return true;
	// An AggregateError (several addresses refused) carries its causes.
	if (err instanceof AggregateError) return err.errors.some(databaseUnavailable);
	return 'cause' in err && (err as { cause: unknown }).cause !== err
		? databaseUnavailable((err as { cause: unknown }).cause)
		: false;
}

/** What a candidate or an official is told while it lasts. */
export const DATABASE_UNAVAILABLE_MESSAGE =
	'The exam server cannot store anything just now. Your answers are kept on this computer and will be sent automatically.';
