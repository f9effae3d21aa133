import type { Db } from '../db/index.js';
import { onModerated } from '../quality/moderation.js';
import { onFirstMarked, onSecondMarked } from '../quality/second-marking.js';
import { allocateLiveSeedIfDue, onSeedMarked } from '../quality/standardisation.js';
import { gateFor } from '../quality/standing.js';

/*
 * Where marking work goes next: the seams between first marking (allocation, the queue, the
 * marking screen) and quality control (second marking, moderation, standardisation). The queue and
 * recordMark call these; second marking and standardisation fill them in.
 */

/** Whether a marker may be given live work on a paper now (qualified at standardisation and not stopped). */
export interface LiveMarkingGate {
	open: boolean;
	/** Why not, in words a marker understands, when closed. */
	reason?: string;
}

export async function liveMarkingGate(
	db: Db,
	markerId: string,
	paperId: string
): Promise<LiveMarkingGate> {
	return gateFor(db, markerId, paperId);
}

/**
 * Called by recordMark, in its transaction, when the last item of a script under one allocation
 * purpose has been marked by `markerId` (first, second, moderation or seed). Second marking selects
 * and routes from here; standardisation checks a seed against its agreed marks.
 */
export async function onScriptMarked(
	tx: Db,
	event: {
		scriptId: string;
		purpose: 'first' | 'second' | 'moderation' | 'seed';
		markerId: string;
		now: Date;
	}
): Promise<void> {
	switch (event.purpose) {
		case 'first':
			return onFirstMarked(tx, event);
		case 'second':
			return onSecondMarked(tx, event);
		case 'moderation':
			return onModerated(tx, event);
		case 'seed':
			return onSeedMarked(tx, event);
	}
}

/**
 * Called by the marker's queue before it picks their next script: may hand the marker a seed
 * (unannounced, at the paper's seed rate). Returns the seed script's id when one was allocated.
 */
export async function maybeAllocateSeed(
	tx: Db,
	event: { markerId: string; paperId: string; now: Date }
): Promise<string | null> {
	return allocateLiveSeedIfDue(tx, event);
}
