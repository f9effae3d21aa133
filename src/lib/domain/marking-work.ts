import type { GridAward } from './grid.js';

/*
 * First marking's own rules (DESIGN.md section 6): sharing scripts among markers, a marker's
 * progress, which item comes next on the marking screen, and what a marker's comment may hold.
 * Pure: the allocation service, the queue and the marking screen all decide through here.
 */

/**
 * Shares scripts evenly among markers: each script goes to the marker holding the least work so
 * far (their current `load`, in scripts), ties in the order the markers were given. So "share the
 * unallocated scripts among A and B" evens out A's and B's queues rather than only the new scripts.
 */
export function shareEvenly<S>(
	scripts: readonly S[],
	markerIds: readonly string[],
	load: ReadonlyMap<string, number> = new Map()
): Map<string, S[]> {
	const shares = new Map<string, S[]>(markerIds.map((m) => [m, []]));
	if (markerIds.length === 0) return shares;
	const held = new Map(markerIds.map((m) => [m, load.get(m) ?? 0]));
	for (const s of scripts) {
		let best = markerIds[0]!;
		for (const m of markerIds) if (held.get(m)! < held.get(best)!) best = m;
		shares.get(best)!.push(s);
		held.set(best, held.get(best)! + 1);
	}
	return shares;
}

/** How far a marker is through a set of scripts, in words for a progress bar's label. */
export function progressText(marked: number, total: number): string {
	return `${marked} of ${total} script${total === 1 ? '' : 's'} marked`;
}

/**
 * The item "Save and next" goes to: the next item after `current` (in paper order) that has no
 * mark yet, wrapping round; null when every item has one (the script is done).
 */
export function nextUnmarkedItem(
	itemKeys: readonly string[],
	current: string,
	marked: ReadonlySet<string>
): string | null {
	const at = itemKeys.indexOf(current);
	for (let step = 1; step <= itemKeys.length; step++) {
		const key = itemKeys[(at + step + itemKeys.length) % itemKeys.length]!;
		if (!marked.has(key)) return key;
	}
	return null;
}

/** The longest comment a marker may leave on an item. */
export const MAX_COMMENT_LENGTH = 2000;

/**
 * What is wrong with a marker's comment, or null. Line breaks and tabs are text; any other control
 * character (NUL, which PostgreSQL cannot store, escape sequences) is not something anyone types.
 */
export function commentProblem(comment: string): string | null {
	// eslint-disable-next-line no-control-regex -- matching control characters is the point
	if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(comment))
		return 'A comment cannot contain control characters';
	if (comment.length > MAX_COMMENT_LENGTH)
		return `A comment can be at most ${MAX_COMMENT_LENGTH} characters (this one has ${comment.length})`;
	return null;
}

/**
 * A mark as a marker types it ("3", " 12 ") read into an award: a whole number, or NaN for anything
 * else so that judgeAward refuses it with its own reason. Empty is null (nothing to save yet).
 */
export function typedMark(text: string): number | null {
	const t = text.trim();
	if (t === '') return null;
	return /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
}

/** The award a marking form describes: ticked points, a chosen level, or a typed mark. */
export function awardFromForm(input: {
	mode: 'points' | 'levels';
	mark: number | null;
	level: number | null;
	points: Record<string, number> | null;
}): GridAward | null {
	if (input.mode === 'points' && input.points && Object.keys(input.points).length > 0)
		return { kind: 'points', awarded: input.points };
	if (input.mark === null) return null;
	if (input.mode === 'levels' && input.level !== null)
		return { kind: 'level', level: input.level, mark: input.mark };
	return { kind: 'mark', mark: input.mark };
}
