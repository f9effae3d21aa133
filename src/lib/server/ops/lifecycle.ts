/**
 * The app's orderly stop. Parts of the app that hold something open register what closes it:
 * event streams, timers, the database. The server (src/cli/serve.ts) stops taking requests, lets
 * those in flight finish, then runs the hooks: 'streams' first (an open event stream would
 * otherwise hold its connection for ever), then 'timers', then 'database' last, once nothing can
 * query it any more.
 *
 * The registry lives on globalThis: the server is loaded by tsx from src/cli while the app is the
 * built bundle (build/server), so each has its own copy of this module; both reach the same list.
 */
export type ShutdownPhase = 'streams' | 'timers' | 'database';
const PHASES: ShutdownPhase[] = ['streams', 'timers', 'database'];

interface Hook {
	phase: ShutdownPhase;
	name: string;
	run: () => void | Promise<void>;
}

interface Lifecycle {
	hooks: Hook[];
	stopping: boolean;
}

const KEY = Symbol.for('exam-8992.lifecycle');

function state(): Lifecycle {
	const g = globalThis as typeof globalThis & { [KEY]?: Lifecycle };
	g[KEY] ??= { hooks: [], stopping: false };
	return g[KEY];
}

/** Runs `run` when the app stops, in its phase. Returns a function that unregisters it. */
export function onShutdown(
	name: string,
	run: () => void | Promise<void>,
	phase: ShutdownPhase = 'streams'
): () => void {
	const hook: Hook = { phase, name, run };
	state().hooks.push(hook);
	return () => {
		const hooks = state().hooks;
		const i = hooks.indexOf(hook);
		if (i >= 0) hooks.splice(i, 1);
	};
}

/** True once a stop has begun: /readyz answers 503 so a load balancer sends no more. */
export function isStopping(): boolean {
	return state().stopping;
}

export function beginStopping(): void {
	state().stopping = true;
}

export interface HookFailure {
	name: string;
	error: unknown;
}

/**
 * Runs every hook once, phase by phase (hooks of one phase together). A failing hook does not stop
 * the others: the database still closes if a stream would not. Returns the failures.
 */
export async function runShutdownHooks(
	phases: readonly ShutdownPhase[] = PHASES
): Promise<HookFailure[]> {
	beginStopping();
	const failures: HookFailure[] = [];
	for (const phase of PHASES.filter((p) => phases.includes(p))) {
		const hooks = state().hooks.filter((h) => h.phase === phase);
		state().hooks = state().hooks.filter((h) => h.phase !== phase);
		await Promise.all(
			hooks.map(async (h) => {
				try {
					await h.run();
				} catch (error) {
					failures.push({ name: h.name, error });
				}
			})
		);
	}
	return failures;
}
