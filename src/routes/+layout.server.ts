import type { LayoutServerLoad } from './$types';
import { ROLE_HOME, ROLE_LABELS } from '$lib/domain/roles';

export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.user;
	if (!user) return { user: null, nav: [] };
	// One link per distinct home, in a stable order.
	const seen = new Set<string>();
	const nav: { href: string; label: string }[] = [];
	for (const role of ['awarding_admin', 'centre_admin', 'invigilator', 'moderator', 'marker'] as const) {
		if (!user.grants.some((g) => g.role === role)) continue;
		const href = ROLE_HOME[role];
		if (seen.has(href)) continue;
		seen.add(href);
		nav.push({ href, label: role === 'moderator' || role === 'marker' ? 'Marking' : ROLE_LABELS[role] });
	}
	return { user: { displayName: user.displayName, email: user.email }, nav };
};
