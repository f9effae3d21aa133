/** "1 paper", "3 papers": counts in plain words, for logs, messages and the command line. */
export function count(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}
