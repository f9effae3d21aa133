import type { PageServerLoad } from './$types';
import { listAudit } from '$lib/server/audit';

export const load: PageServerLoad = async ({ locals }) => {
	const rows = await listAudit(locals.db, { limit: 200 });
	return {
		entries: rows.map((r) => ({
			id: r.id,
			at: r.occurred_at.toISOString(),
			actor: r.actor_label,
			action: r.action,
			subject: r.subject_type ? `${r.subject_type} ${r.subject_id ?? ''}` : '',
			details: JSON.stringify(r.details)
		}))
	};
};
