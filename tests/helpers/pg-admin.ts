/** The same server URL with another database name. */
export function databaseUrlFor(url: string, database: string): string {
	const u = new URL(url);
	u.pathname = `/${database}`;
	return u.toString();
}
