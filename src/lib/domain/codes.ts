/** Performance-code areas in their fixed tie-break order (DESIGN.md section 1). */
export const AREA_CODES = ['FL', 'FM', 'FN', 'FO', 'FP', 'FR', 'FS'] as const;
export type AreaCode = (typeof AREA_CODES)[number];
export type PerformanceCode = 'AA' | 'AB' | 'FK' | AreaCode;

/**
 * Each code's wording exactly as the handbook's table "Performance codes" gives it (result slips
 * print it to candidates), including "Organisations policies" without an apostrophe.
 */
export const AREA_NAMES: Record<AreaCode, string> = {
	FL: 'Customer needs, satisfaction and expectation',
	FM: 'Organisations policies, complaints and confidentiality',
	FN: 'Methods of communication',
	FO: 'Knowledge, ability and attributes',
	FP: 'Sources of information and storage/retrieval',
	FR: 'Promotion of products and services',
	FS: 'Personal development and team working'
};

export const CODE_NAMES: Record<PerformanceCode, string> = {
	AA: 'Narrow fail',
	AB: 'Insufficient work submitted',
	FK: 'Misinterpretation of question(s)',
	...AREA_NAMES
};

export type Level = 1 | 2 | 3;

export function areasForLevel(level: Level): AreaCode[] {
	if (level === 1) return ['FL', 'FM', 'FN', 'FO'];
	if (level === 2) return ['FL', 'FM', 'FN', 'FO', 'FP'];
	return [...AREA_CODES];
}

export function isAreaCode(value: string): value is AreaCode {
	return (AREA_CODES as readonly string[]).includes(value);
}
