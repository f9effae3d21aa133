import { getStaffAccount } from '$lib/server/accounts/staff';
import {
	addStaffRole,
	removeStaffRole,
	resetStaffPassword,
	setStaffDisabled,
	updateStaffAccount
} from '$lib/server/accounts/staff-changes';
import { listCentres } from '$lib/server/centres/centres';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { formAction } from '$lib/server/http/form-action';
import { formValues, orError } from '$lib/server/http/responses';

import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const account = await orError(getStaffAccount(locals.db, params.userId));
	return {
		account: { ...account, disabled_at: account.disabled_at?.toISOString() ?? null },
		self: locals.user?.id === account.id,
		centres: (await listCentres(locals.db)).map((c) => ({
			id: c.id,
			label: `${c.number} ${c.name}`
		}))
	};
};

/**
 * Every change to an account: the awarding administrator only; run the service with the form's
 * fields and say what was done (`done` in words, or more), or report its error on the form it came
 * from (4xx) without changing anything.
 */
const change = (form: string, fields: readonly string[]) => ({
	guard: (event: RequestEvent) => requireRole(event, ['awarding_admin']),
	form,
	values: (data: FormData) => formValues(data, fields)
});

export const actions: Actions = {
	update: formAction(
		change('update', ['display_name']),
		async ({ event, values }) => (
			await updateStaffAccount(event.locals.db, actorOf(event), event.params.userId, values),
			{ done: 'Changes saved.' }
		)
	),
	add_role: formAction(
		change('add_role', ['role', 'centre_id']),
		async ({ event, values }) => (
			await addStaffRole(event.locals.db, actorOf(event), event.params.userId, values),
			{ done: 'Role added.' }
		)
	),
	remove_role: formAction(
		change('remove_role', ['membership_id']),
		async ({ event, values }) => (
			await removeStaffRole(
				event.locals.db,
				actorOf(event),
				event.params.userId,
				values.membership_id
			),
			{ done: 'Role removed.' }
		)
	),
	reset: formAction(change('reset', []), async ({ event }) => {
		const r = await resetStaffPassword(event.locals.db, actorOf(event), event.params.userId);
		// Shown once, on this response only: the database keeps only the link's hash.
		return {
			reset: true,
			link: `${event.url.origin}/set-password/${r.token}`,
			expiresAt: r.expiresAt.toISOString()
		};
	}),
	disable: formAction(
		change('disable', []),
		async ({ event }) => (
			await setStaffDisabled(event.locals.db, actorOf(event), event.params.userId, true),
			{ done: 'Account disabled. Its sessions have ended and it can no longer sign in.' }
		)
	),
	enable: formAction(
		change('enable', []),
		async ({ event }) => (
			await setStaffDisabled(event.locals.db, actorOf(event), event.params.userId, false),
			{ done: 'Account enabled. Its owner can sign in again.' }
		)
	)
};
