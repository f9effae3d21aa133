// SvelteKit's request store, as its own sequence() uses it (not in its published types). A script
// file on purpose: an ambient module declaration is read before the package's own types.
declare module '@sveltejs/kit/internal/server' {
	export function with_request_store<T>(store: { event: unknown; state: unknown }, fn: () => T): T;
}
