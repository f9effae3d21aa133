import type { Actions, PageServerLoad } from './$types';
import { listCentres } from '$lib/server/centres';
import { getStaffAccount, resetStaffPassword, setStaffDisabled, updateStaffAccount } from '$lib/server/centres/staff';
import { actorOf, requireRole } from '$lib/server/http/auth';
import { failFromError, formValues, orError } from '$lib/server/http/responses';

export const load: PageServerLoad = async ({ locals, params }) => {
	const account = await orError(getStaffAccount(locals.db, params.userId));
	return {
		account: { ...account, disabled_at: account.disabled_at?.toISOString() ?? null },
		self: locals.user?.id === account.id,
		centres: (await listCentres(locals.db)).map((c) => ({ id: c.id, label: `${c.number} ${c.name}` }))
	};
};

export const actions: Actions = {
	update: async (event) => {
		requireRole(event, ['awarding_admin']);
		const values = formValues(await event.request.formData(), ['display_name', 'role', 'centre_id']);
		try {
			await updateStaffAccount(event.locals.db, actorOf(event), event.params.userId, values);
			return { saved: true };
		} catch (err) {
			return failFromError(err, values);
		}
	},
	reset: async (event) => {
		requireRole(event, ['awarding_admin']);
		try {
			const r = await resetStaffPassword(event.locals.db, actorOf(event), event.params.userId);
			// Shown once, on this response only: the database keeps only the link's hash.
			return { reset: true, link: `${event.url.origin}/set-password/${r.token}`, expiresAt: r.expiresAt.toISOString() };
		} catch (err) {
			return failFromError(err);
		}
	},
	disable: async (event) => {
		requireRole(event, ['awarding_admin']);
		try {
			await setStaffDisabled(event.locals.db, actorOf(event), event.params.userId, true);
			return { disabled: true };
		} catch (err) {
			return failFromError(err);
		}
	},
	enable: async (event) => {
		requireRole(event, ['awarding_admin']);
		try {
			await setStaffDisabled(event.locals.db, actorOf(event), event.params.userId, false);
			return { enabled: true };
		} catch (err) {
			return failFromError(err);
		}
	}
};
