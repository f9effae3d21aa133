import { DEFAULT_MARKING_SETTINGS, type MarkingSettings } from './marking.js';

/*
 * Standardisation (issue 11 item 7, DESIGN.md section 6): seed scripts carry marks a lead agreed;
 * a marker's marks on a seed are judged against them per item and per script. A new marker
 * qualifies by marking the last few qualification seeds within tolerance; during live marking seeds
 * keep arriving unannounced, and a run of misses stops the marker until a lead reviews them. Pure.
 */

/** qualification: marked before live marking opens; live: slipped into the queue during live marking. */
export const SEED_PURPOSES = ['qualification', 'live'] as const;
export type SeedPurpose = (typeof SEED_PURPOSES)[number];

/** A marker's standing on a paper. No record yet means standardising. */
export const STANDINGS = ['standardising', 'live', 'stopped'] as const;
export type Standing = (typeof STANDINGS)[number];

export const STANDING_LABELS: Record<Standing, string> = {
	standardising: 'Standardising',
	live: 'Live marking',
	stopped: 'Stopped for review'
};

export interface SeedItemJudgement {
	itemKey: string;
	given: number;
	agreed: number;
	/** given − agreed: positive is generous, negative severe. */
	deviation: number;
	within: boolean;
}

export interface SeedJudgement {
	items: SeedItemJudgement[];
	givenTotal: number;
	agreedTotal: number;
	/** givenTotal − agreedTotal. */
	totalDeviation: number;
	/** Every item within the item tolerance and the total within the script tolerance. */
	within: boolean;
}

/**
 * Judges a marker's marks on a seed against the agreed marks. Every agreed item is judged; an item
 * the marker left without a mark counts as 0 (a seed is marked whole, like live work).
 */
export function judgeSeed(
	given: ReadonlyMap<string, number>,
	agreed: ReadonlyMap<string, number>,
	tolerance: Pick<MarkingSettings, 'seedItemTolerance' | 'seedScriptTolerance'>
): SeedJudgement {
	const items: SeedItemJudgement[] = [];
	let givenTotal = 0;
	let agreedTotal = 0;
	for (const [itemKey, agreedMark] of agreed) {
		const g = given.get(itemKey) ?? 0;
		const deviation = g - agreedMark;
		items.push({
			itemKey,
			given: g,
			agreed: agreedMark,
			deviation,
			within: Math.abs(deviation) <= tolerance.seedItemTolerance
		});
		givenTotal += g;
		agreedTotal += agreedMark;
	}
	const totalDeviation = givenTotal - agreedTotal;
	const within =
		items.every((i) => i.within) && Math.abs(totalDeviation) <= tolerance.seedScriptTolerance;
	return { items, givenTotal, agreedTotal, totalDeviation, within };
}

export interface QualificationProgress {
	qualified: boolean;
	/** How many of the last `needed` qualification seeds were within tolerance. */
	withinOfLast: number;
	needed: number;
}

/**
 * A marker qualifies when their last `qualifyingSeeds` qualification seeds (in the order marked)
 * were all within tolerance. A paper asking for none qualifies everyone at once.
 */
export function qualificationProgress(
	judgements: readonly { within: boolean }[],
	qualifyingSeeds: number
): QualificationProgress {
	if (qualifyingSeeds <= 0) return { qualified: true, withinOfLast: 0, needed: 0 };
	const last = judgements.slice(-qualifyingSeeds);
	const withinOfLast = last.filter((j) => j.within).length;
	return {
		qualified: last.length === qualifyingSeeds && withinOfLast === qualifyingSeeds,
		withinOfLast,
		needed: qualifyingSeeds
	};
}

/**
 * During live marking: stopped when the last `stopAfterMisses` live seeds (since the marker last
 * went live) were all out of tolerance.
 */
export function shouldStop(
	liveJudgements: readonly { within: boolean }[],
	stopAfterMisses: number
): boolean {
	const n = Math.max(1, stopAfterMisses);
	if (liveJudgements.length < n) return false;
	return liveJudgements.slice(-n).every((j) => !j.within);
}

/** Consecutive misses at the end of a run of judgements (for the lead's and the marker's pages). */
export function trailingMisses(judgements: readonly { within: boolean }[]): number {
	let n = 0;
	for (let i = judgements.length - 1; i >= 0 && !judgements[i]!.within; i--) n++;
	return n;
}

/**
 * One seed in `seedEvery` scripts: after `seedEvery − 1` live scripts since the last seed, the next
 * script a marker is given is a seed. 0 turns live seeds off.
 */
export function seedDue(scriptsSinceLastSeed: number, seedEvery: number): boolean {
	return seedEvery > 0 && scriptsSinceLastSeed >= seedEvery - 1;
}

/** The marking_settings row's columns, as stored. */
export interface MarkingSettingsRow {
	sample_percent: number;
	boundary_window: number;
	second_mark_tolerance: number;
	seed_every: number;
	seed_item_tolerance: number;
	seed_script_tolerance: number;
	qualifying_seeds: number;
	stop_after_misses: number;
}

/** A paper's settings: its own row, or the defaults when it has none. */
export function settingsFrom(row: MarkingSettingsRow | undefined | null): MarkingSettings {
	if (!row) return { ...DEFAULT_MARKING_SETTINGS };
	return {
		samplePercent: row.sample_percent,
		boundaryWindow: row.boundary_window,
		secondMarkTolerance: row.second_mark_tolerance,
		seedEvery: row.seed_every,
		seedItemTolerance: row.seed_item_tolerance,
		seedScriptTolerance: row.seed_script_tolerance,
		qualifyingSeeds: row.qualifying_seeds,
		stopAfterMisses: row.stop_after_misses
	};
}

/**
 * The typical time a marker takes per script, from the times they finished scripts: the median gap
 * between one finish and the next. Gaps longer than `breakMs` are breaks, not marking, and are left
 * out. null when there is no gap to measure.
 */
export function medianTimePerScript(
	finishedAt: readonly Date[],
	breakMs = 60 * 60_000
): number | null {
	const times = finishedAt.map((d) => d.getTime()).sort((a, b) => a - b);
	const gaps: number[] = [];
	for (let i = 1; i < times.length; i++) {
		const gap = times[i]! - times[i - 1]!;
		if (gap <= breakMs) gaps.push(gap);
	}
	if (gaps.length === 0) return null;
	gaps.sort((a, b) => a - b);
	const mid = Math.floor(gaps.length / 2);
	return gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

/** Mean of the absolute deviations, or null when there are none. */
export function meanAbsoluteDeviation(deviations: readonly number[]): number | null {
	if (deviations.length === 0) return null;
	return deviations.reduce((s, d) => s + Math.abs(d), 0) / deviations.length;
}
