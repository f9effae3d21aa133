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
import { failFromError, formValues, orError } from '$lib/server/http/responses';

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

/** Runs the service with the form's fields; returns what the page shows (`done` in words, or more). */
type Handler<T> = (
	db: App.Locals['db'],
	actor: ReturnType<typeof actorOf>,
	userId: string,
	values: Record<string, string>,
	event: RequestEvent
) => Promise<T>;

/**
 * Every change to an account: the awarding administrator only; run the service and say what was
 * done, or report its error on the form it came from (4xx) without changing anything.
 */
function action<T extends object>(form: string, fields: readonly string[], run: Handler<T>) {
	return async (event: RequestEvent) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), fields);
		try {
			return {
				form,
				...(await run(event.locals.db, actorOf(event), event.params.userId, values, event))
			};
		} catch (err) {
			return failFromError(err, { ...values, form });
		}
	};
}

export const actions: Actions = {
	update: action(
		'update',
		['display_name'],
		async (db, actor, id, v) => (
			await updateStaffAccount(db, actor, id, v),
			{ done: 'Changes saved.' }
		)
	),
	add_role: action(
		'add_role',
		['role', 'centre_id'],
		async (db, actor, id, v) => (await addStaffRole(db, actor, id, v), { done: 'Role added.' })
	),
	remove_role: action(
		'remove_role',
		['membership_id'],
		async (db, actor, id, v) => (
			await removeStaffRole(db, actor, id, v.membership_id),
			{ done: 'Role removed.' }
		)
	),
	reset: action('reset', [], async (db, actor, id, _v, event) => {
		const r = await resetStaffPassword(db, actor, id);
		// Shown once, on this response only: the database keeps only the link's hash.
		return {
			reset: true,
			link: `${event.url.origin}/set-password/${r.token}`,
			expiresAt: r.expiresAt.toISOString()
		};
	}),
	disable: action(
		'disable',
		[],
		async (db, actor, id) => (
			await setStaffDisabled(db, actor, id, true),
			{ done: 'Account disabled. Its sessions have ended and it can no longer sign in.' }
		)
	),
	enable: action(
		'enable',
		[],
		async (db, actor, id) => (
			await setStaffDisabled(db, actor, id, false),
			{ done: 'Account enabled. Its owner can sign in again.' }
		)
	)
};
