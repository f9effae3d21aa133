/** Staff roles. Candidates are not staff: they sign in to one sitting with a keycode. */
export const STAFF_ROLES = [
	'invigilator',
	'centre_admin',
	'marker',
	'moderator',
	'awarding_admin'
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export type Role = StaffRole | 'candidate';

/** Roles that belong to one centre; the others work across centres. */
export const CENTRE_ROLES: readonly StaffRole[] = ['invigilator', 'centre_admin'];

export const ROLE_LABELS: Record<Role, string> = {
	candidate: 'Candidate',
	invigilator: 'Invigilator',
	centre_admin: 'Centre administrator',
	marker: 'Marker',
	moderator: 'Moderator',
	awarding_admin: 'Awarding administrator'
};

/** Where each role's home page is. */
export const ROLE_HOME: Record<Role, string> = {
	candidate: '/candidate',
	invigilator: '/invigilate',
	centre_admin: '/centre',
	marker: '/mark',
	moderator: '/mark',
	awarding_admin: '/admin'
};

export function isStaffRole(value: string): value is StaffRole {
	return (STAFF_ROLES as readonly string[]).includes(value);
}

export function isCentreRole(role: StaffRole): boolean {
	return CENTRE_ROLES.includes(role);
}

export interface RoleGrant {
	role: StaffRole;
	centreId: string | null;
}

export type AccessDecision = 'allow' | 'sign_in' | 'forbidden' | 'not_found';

/**
 * Decides whether a signed-in user (or nobody) may use a page that needs one of `roles`, and, for a
 * centre's page, that centre. Wrong role → forbidden (403). Right role but another centre →
 * not_found (404), so a page never confirms that another centre's record exists.
 */
export function decideAccess(
	grants: readonly RoleGrant[] | null,
	need: { roles: readonly StaffRole[]; centreId?: string }
): AccessDecision {
	if (!grants) return 'sign_in';
	const withRole = grants.filter((g) => need.roles.includes(g.role));
	if (withRole.length === 0) return 'forbidden';
	if (need.centreId === undefined) return 'allow';
	return withRole.some((g) => g.centreId === need.centreId) ? 'allow' : 'not_found';
}

/** Roles from the widest to the narrowest: the order of the site's menu and of homeFor. */
export const ROLE_ORDER: readonly StaffRole[] = [
	'awarding_admin',
	'centre_admin',
	'invigilator',
	'moderator',
	'marker'
];

/** The page a user lands on after signing in: the first of their roles in ROLE_ORDER. */
export function homeFor(grants: readonly RoleGrant[]): string {
	const first = ROLE_ORDER.find((r) => grants.some((g) => g.role === r));
	return first ? ROLE_HOME[first] : '/';
}

/** The site menu: one link per distinct home, in ROLE_ORDER (markers and moderators share "Marking"). */
export function menuFor(grants: readonly RoleGrant[]): { href: string; label: string }[] {
	const seen = new Set<string>();
	const menu: { href: string; label: string }[] = [];
	for (const role of ROLE_ORDER) {
		if (!grants.some((g) => g.role === role)) continue;
		const href = ROLE_HOME[role];
		if (seen.has(href)) continue;
		seen.add(href);
		menu.push({
			href,
			label: role === 'moderator' || role === 'marker' ? 'Marking' : ROLE_LABELS[role]
		});
	}
	return menu;
}

export interface AccessNeed {
	roles: readonly StaffRole[];
	centreId?: string;
}

/**
 * Which staff may use each audience's folder, by route id. The hook checks this on every request,
 * not only the layouts: SvelteKit skips layout loads when the browser asks for one page's data
 * (`__data.json` after an invalidation) and for form actions, so a layout guard alone can be walked
 * around. The centre's pages also need that centre (another centre's → 404).
 */
const AREA_ACCESS: readonly {
	prefix: string;
	roles: readonly StaffRole[];
	centreParam?: string;
}[] = [
	{ prefix: '/admin', roles: ['awarding_admin'] },
	{ prefix: '/centre/[centreId]', roles: ['centre_admin'], centreParam: 'centreId' },
	{ prefix: '/centre', roles: ['centre_admin'] },
	// The centre administrator may run any sitting of their centre; an invigilator only those they are booked on (decideSittingAccess).
	{ prefix: '/invigilate', roles: ['invigilator', 'centre_admin'] },
	// Lead markers' pages (moderation cases with answers and marks, markers' performance, seeds,
	// settings): moderators only. Their layout says so too, but a data request for the page alone
	// skips the layout, so the hook must know (the authorisation matrix found a marker reading them).
	{ prefix: '/mark/(lead)', roles: ['moderator'] },
	{ prefix: '/mark', roles: ['marker', 'moderator'] },
	{ prefix: '/account', roles: STAFF_ROLES }
];

/** The access a route needs, or null for public and candidate routes (those check their own session). */
export function accessNeededFor(
	routeId: string | null,
	params: Readonly<Record<string, string | undefined>>
): AccessNeed | null {
	if (!routeId) return null;
	const area = AREA_ACCESS.find((a) => routeId === a.prefix || routeId.startsWith(`${a.prefix}/`));
	if (!area) return null;
	if (!area.centreParam) return { roles: area.roles };
	return { roles: area.roles, centreId: params[area.centreParam] ?? '' };
}

/**
 * Who may run a sitting (console, pause, incidents, the report, the keycode): an invigilator booked
 * on it, or the centre's administrator (who books the invigilators and covers when one is ill).
 * Another invigilator of the same centre is refused (403: they know the sitting exists); anyone
 * from another centre gets not_found, as for every centre record.
 */
export function decideSittingAccess(
	grants: readonly RoleGrant[] | null,
	userId: string | null,
	sitting: { centreId: string; invigilatorIds: readonly string[] }
): AccessDecision {
	if (!grants || !userId) return 'sign_in';
	const atCentre = grants.filter((g) => g.centreId === sitting.centreId);
	if (atCentre.some((g) => g.role === 'centre_admin')) return 'allow';
	if (atCentre.some((g) => g.role === 'invigilator'))
		return sitting.invigilatorIds.includes(userId) ? 'allow' : 'forbidden';
	return grants.some((g) => g.role === 'invigilator' || g.role === 'centre_admin')
		? 'not_found'
		: 'forbidden';
}
