/**
 * The app's timed jobs (the deadline sweep, pruning sessions, computing results): each runs on its
 * own beat in every app process, so each must be idempotent. A beat that comes while the job's last
 * run is still going is skipped (a slow database must not pile runs up); a failure is logged and the
 * next beat tries again. The jobs themselves are listed by hooks.server.ts: this layer knows only
 * how to run them.
 */
import { logger } from '../log.js';

export interface Job {
	/** What it does, for the log: "deadline sweep". */
	name: string;
	everyMs: number;
	/** Runs once at start as well as on each beat. */
	atStart?: boolean;
	/** `lateMs`: how late this beat started (a busy event loop delays timers). */
	run(beat: { lateMs: number }): Promise<unknown>;
}

/** Starts every job's beat; returns the function that stops them all. */
export function startJobs(jobs: readonly Job[]): () => void {
	const timers = jobs.map((job) => {
		let running = false;
		let due = Date.now() + job.everyMs;
		const go = (lateMs: number) => {
			if (running) return;
			running = true;
			job
				.run({ lateMs })
				.catch((err: unknown) => logger.error({ err }, `${job.name} failed`))
				.finally(() => (running = false));
		};
		if (job.atStart) go(0);
		const timer = setInterval(() => {
			const lateMs = Math.max(0, Date.now() - due);
			due += job.everyMs;
			go(lateMs);
		}, job.everyMs);
		timer.unref();
		return timer;
	});
	return () => timers.forEach((t) => clearInterval(t));
}
