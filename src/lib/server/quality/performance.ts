import {
	meanAbsoluteDeviation,
	medianTimePerScript,
	type Standing
} from '../../domain/standardisation.js';
import type { Db } from '../db/index.js';
import { usersWithRole } from './quality.js';
import { currentStanding } from './standing.js';

/*
 * The marker-performance page for leads (issue 11 item 7): per marker on a paper, scripts marked,
 * agreement with seeds and with second marks, mean deviation on seeds, median time per script.
 */

export interface MarkerPerformance {
	markerId: string;
	name: string;
	standing: Standing;
	standingReason: string;
	scriptsMarked: number;
	seedsJudged: number;
	seedsWithin: number;
	pairsJudged: number;
	pairsAgreed: number;
	/** Mean absolute total deviation from the agreed marks on seeds, null with no seeds. */
	meanDeviation: number | null;
	/** Median minutes per script, null when it cannot be measured. */
	medianMinutes: number | null;
}

export async function markerPerformance(db: Db, paperId: string): Promise<MarkerPerformance[]> {
	const markers = await usersWithRole(db, 'marker');
	if (markers.length === 0) return [];
	const names = new Map(
		(
			await db
				.selectFrom('app_user')
				.select(['id', 'display_name'])
				.where('id', 'in', markers)
				.execute()
		).map((u) => [u.id, u.display_name])
	);
	// When each marker last marked each live script of the paper as first marker.
	const finished = await db
		.selectFrom('mark as m')
		.innerJoin('script as sc', 'sc.id', 'm.script_id')
		.innerJoin('paper_version as pv', 'pv.id', 'sc.paper_version_id')
		.select([
			'm.marker_id as markerId',
			'm.script_id as scriptId',
			(eb) => eb.fn.max('m.created_at').as('at')
		])
		.where('m.authority', '=', 'first')
		.where('sc.kind', '=', 'live')
		.where('pv.paper_id', '=', paperId)
		.groupBy(['m.marker_id', 'm.script_id'])
		.execute();
	const seeds = await db
		.selectFrom('seed_judgement')
		.select(['marker_id', 'within', 'given_total', 'agreed_total'])
		.where('paper_id', '=', paperId)
		.execute();
	// Pairs judged: the first marker is whoever gave the script's latest first mark.
	const pairs = await db
		.selectFrom('second_marking as sm')
		.innerJoin('paper_version as pv', 'pv.id', 'sm.paper_version_id')
		.select(['sm.script_id as scriptId', 'sm.state'])
		.where('pv.paper_id', '=', paperId)
		.where('sm.state', 'in', ['agreed', 'referred', 'resolved'])
		.execute();
	const firstMarkerOf = new Map<string, string>();
	if (pairs.length) {
		const rows = await db
			.selectFrom('mark')
			.select(['script_id', 'marker_id', 'id'])
			.where('authority', '=', 'first')
			.where(
				'script_id',
				'in',
				pairs.map((p) => p.scriptId)
			)
			.orderBy('id')
			.execute();
		for (const r of rows) firstMarkerOf.set(r.script_id, r.marker_id);
	}
	const out: MarkerPerformance[] = [];
	for (const id of markers) {
		const mine = finished.filter((f) => f.markerId === id);
		const mySeeds = seeds.filter((s) => s.marker_id === id);
		const myPairs = pairs.filter((p) => firstMarkerOf.get(p.scriptId) === id);
		const standing = await currentStanding(db, id, paperId);
		const median = medianTimePerScript(mine.map((f) => new Date(f.at as Date)));
		out.push({
			markerId: id,
			name: names.get(id) ?? '',
			standing: standing.standing,
			standingReason: standing.reason,
			scriptsMarked: mine.length,
			seedsJudged: mySeeds.length,
			seedsWithin: mySeeds.filter((s) => s.within).length,
			pairsJudged: myPairs.length,
			pairsAgreed: myPairs.filter((p) => p.state === 'agreed').length,
			meanDeviation: meanAbsoluteDeviation(mySeeds.map((s) => s.given_total - s.agreed_total)),
			medianMinutes: median === null ? null : median / 60_000
		});
	}
	return out.sort((a, b) => a.name.localeCompare(b.name));
}
