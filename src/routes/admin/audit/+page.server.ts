import { actionLabel, auditDetailLines } from '$lib/domain/audit';
import { centreDateTime } from '$lib/domain/centre-time';
import { listAuditActions, listAuditPage, type AuditFilter } from '$lib/server/audit';
import { hasControlCharacter } from '$lib/server/validation';

import type { PageServerLoad } from './$types';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (s: string) =>
	DATE.test(s) &&
	!Number.isNaN(new Date(`${s}T00:00:00Z`).getTime()) &&
	new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export const load: PageServerLoad = async ({ locals, url }) => {
	const text = (k: string) => {
		const v = (url.searchParams.get(k) ?? '').trim().slice(0, 200);
		return hasControlCharacter(v) ? '' : v;
	};
	const values = {
		actor: text('actor'),
		action: text('action'),
		subject: text('subject'),
		from: text('from'),
		to: text('to')
	};
	const problems: { field: string; message: string }[] = [];
	for (const k of ['from', 'to'] as const) {
		if (values[k] && !isDate(values[k]))
			problems.push({
				field: k,
				message: `Enter the ${k === 'from' ? '"from"' : '"to"'} date as a date, e.g. 2026-11-28`
			});
	}
	const filter: AuditFilter = {
		actor: values.actor,
		action: values.action,
		subject: values.subject,
		from: isDate(values.from) ? values.from : undefined,
		to: isDate(values.to) ? values.to : undefined,
		page: Number(url.searchParams.get('page')) || 1
	};
	const result = await listAuditPage(locals.db, filter);
	// Links to the neighbouring pages keep every filter.
	const pageHref = (page: number) => {
		const q = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
		if (page > 1) q.set('page', String(page));
		const s = q.toString();
		return s ? `?${s}` : '?';
	};
	return {
		values,
		problems,
		actions: (await listAuditActions(locals.db)).map((a) => ({ value: a, label: actionLabel(a) })),
		page: result.page,
		previousHref: result.page > 1 ? pageHref(result.page - 1) : null,
		nextHref: result.hasNext ? pageHref(result.page + 1) : null,
		entries: result.entries.map((e) => ({
			id: e.id,
			at: centreDateTime(e.occurredAt),
			actor: e.actor,
			action: actionLabel(e.action),
			code: e.action,
			subject: e.subject,
			details: auditDetailLines(e.details)
		}))
	};
};
