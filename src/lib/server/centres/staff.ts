import type { Kysely } from 'kysely';
import { z } from 'zod';
import { isCentreRole, STAFF_ROLES, type StaffRole } from '../../domain/roles.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { issuePasswordToken } from '../auth/password-tokens.js';
import type { Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';

/*
 * Staff accounts as the awarding administrator manages them: created without a password (the owner
 * chooses one through a one-time link), reset (a new link; the old password and every session stop
 * working at once), edited (name, role, centre), disabled and enabled. Every change is audited with
 * before and after; never a password or a link.
 */

const roleAndCentre = {
	role: z.enum(STAFF_ROLES, { message: 'Choose a role' }),
	centre_id: z
		.string()
		.optional()
		.transform((v) => v || null)
};

export const inviteInputSchema = z.object({
	email: z.string().trim().toLowerCase().email('Enter a valid email address'),
	display_name: z.string().trim().min(1, 'Name is required').max(200, 'Name is at most 200 characters'),
	...roleAndCentre
});

export const staffEditSchema = z.object({
	display_name: z.string().trim().min(1, 'Name is required').max(200, 'Name is at most 200 characters'),
	...roleAndCentre
});

export interface StaffAccount {
	id: string;
	email: string;
	display_name: string;
	disabled_at: Date | null;
	role: StaffRole | null;
	centre_id: string | null;
	centre_label: string | null;
	/** Whether a password has been chosen (an invited account has none until its link is used). */
	has_password: boolean;
}

export async function getStaffAccount(db: Kysely<Database>, userId: string): Promise<StaffAccount> {
	if (!isUuid(userId)) throw new NotFoundError('No such account');
	const row = await db
		.selectFrom('app_user as u')
		.leftJoin('membership as m', 'm.user_id', 'u.id')
		.leftJoin('centre as c', 'c.id', 'm.centre_id')
		.select(['u.id', 'u.email', 'u.display_name', 'u.disabled_at', 'u.password_hash', 'm.role', 'm.centre_id', 'c.number', 'c.name'])
		.where('u.id', '=', userId)
		.orderBy('m.role')
		.executeTakeFirst();
	if (!row) throw new NotFoundError('No such account');
	return {
		id: row.id,
		email: row.email,
		display_name: row.display_name,
		disabled_at: row.disabled_at,
		role: (row.role as StaffRole | null) ?? null,
		centre_id: row.centre_id ?? null,
		centre_label: row.number ? `${row.number} ${row.name}` : null,
		has_password: row.password_hash !== ''
	};
}

/** The centre for a role: required for centre roles, none for the others; an unknown centre is a form error. */
async function centreFor(db: Kysely<Database>, role: StaffRole, centreId: string | null): Promise<string | null> {
	if (!isCentreRole(role)) return null;
	if (!centreId) throw new ValidationError('Choose the centre for this role', [{ field: 'centre_id', message: 'Required for this role' }]);
	const found = isUuid(centreId) ? await db.selectFrom('centre').select('id').where('id', '=', centreId).executeTakeFirst() : undefined;
	if (!found) throw new ValidationError('No such centre', [{ field: 'centre_id', message: 'No such centre' }]);
	return found.id;
}

/** Creates an account with no password and returns its one-time set-password link's token (shown once). */
export async function inviteStaffAccount(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown,
	now = new Date()
): Promise<{ id: string; email: string; token: string; expiresAt: Date }> {
	const parsed = parse(inviteInputSchema, input);
	const centreId = await centreFor(db, parsed.role, parsed.centre_id);
	const taken = () => new ValidationError(`An account for ${parsed.email} already exists`, [{ field: 'email', message: 'Already in use' }]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const user = await tx
					.insertInto('app_user')
					.values({ email: parsed.email, display_name: parsed.display_name, password_hash: '' })
					.returning(['id', 'email'])
					.executeTakeFirstOrThrow();
				await tx.insertInto('membership').values({ user_id: user.id, role: parsed.role, centre_id: centreId }).execute();
				const link = await issuePasswordToken(tx, user.id, 'set', now);
				await writeAudit(tx, actor, {
					action: 'user.create',
					centreId,
					subjectType: 'user',
					subjectId: user.id,
					details: { email: parsed.email, display_name: parsed.display_name, role: parsed.role, centre_id: centreId }
				});
				return { ...user, ...link };
			}),
		{ app_user_email_key: taken }
	);
}

/** Locks the account's row for the change (so two administrators' edits queue rather than interleave). */
async function lockAccount(tx: Kysely<Database>, userId: string) {
	if (!isUuid(userId)) throw new NotFoundError('No such account');
	const row = await tx.selectFrom('app_user').select(['id', 'email', 'display_name', 'disabled_at']).where('id', '=', userId).forUpdate().executeTakeFirst();
	if (!row) throw new NotFoundError('No such account');
	return row;
}

/**
 * Resets a password: the old one stops working at once (the hash is cleared), every session ends,
 * any earlier link is replaced, and a new one-time link is returned.
 */
export async function resetStaffPassword(
	db: Kysely<Database>,
	actor: Actor,
	userId: string,
	now = new Date()
): Promise<{ token: string; expiresAt: Date; email: string }> {
	return db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		if (user.disabled_at) throw new ConflictError('This account is disabled; enable it before resetting its password');
		await tx.updateTable('app_user').set({ password_hash: '' }).where('id', '=', user.id).execute();
		const ended = await tx.deleteFrom('auth_session').where('user_id', '=', user.id).executeTakeFirst();
		const link = await issuePasswordToken(tx, user.id, 'reset', now);
		await writeAudit(tx, actor, {
			action: 'user.reset_password',
			subjectType: 'user',
			subjectId: user.id,
			details: { sessions_ended: Number(ended.numDeletedRows) }
		});
		return { ...link, email: user.email };
	});
}

/** Changes an account's name, role and (for centre roles) centre; audited with before and after. */
export async function updateStaffAccount(db: Kysely<Database>, actor: Actor, userId: string, input: unknown): Promise<void> {
	const parsed = parse(staffEditSchema, input);
	const centreId = await centreFor(db, parsed.role, parsed.centre_id);
	if (actor.userId === userId && parsed.role !== 'awarding_admin') {
		throw new ValidationError('You cannot take the awarding administrator role from your own account', [
			{ field: 'role', message: 'Ask another awarding administrator' }
		]);
	}
	await db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		const memberships = await tx.selectFrom('membership').select(['role', 'centre_id']).where('user_id', '=', user.id).execute();
		const before = { display_name: user.display_name, roles: memberships.map((m) => ({ role: m.role, centre_id: m.centre_id })) };
		const after = { display_name: parsed.display_name, roles: [{ role: parsed.role, centre_id: centreId }] };
		if (JSON.stringify(before) === JSON.stringify(after)) return;
		await tx.updateTable('app_user').set({ display_name: parsed.display_name }).where('id', '=', user.id).execute();
		await tx.deleteFrom('membership').where('user_id', '=', user.id).execute();
		await tx.insertInto('membership').values({ user_id: user.id, role: parsed.role, centre_id: centreId }).execute();
		await writeAudit(tx, actor, { action: 'user.update', centreId, subjectType: 'user', subjectId: user.id, details: { before, after } });
	});
}

/** Disables an account (its sessions end at once; sign-in is refused as for a wrong password) or enables it again. */
export async function setStaffDisabled(db: Kysely<Database>, actor: Actor, userId: string, disabled: boolean, now = new Date()): Promise<void> {
	if (disabled && actor.userId === userId) throw new ValidationError('You cannot disable your own account');
	await db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		if (Boolean(user.disabled_at) === disabled) return;
		await tx
			.updateTable('app_user')
			.set({ disabled_at: disabled ? now : null })
			.where('id', '=', user.id)
			.execute();
		let sessionsEnded = 0;
		if (disabled) {
			sessionsEnded = Number((await tx.deleteFrom('auth_session').where('user_id', '=', user.id).executeTakeFirst()).numDeletedRows);
			// An outstanding link must not let a disabled account back in.
			await tx.deleteFrom('password_token').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
		}
		await writeAudit(tx, actor, {
			action: disabled ? 'user.disable' : 'user.enable',
			subjectType: 'user',
			subjectId: user.id,
			details: { before: { disabled: !disabled }, after: { disabled }, ...(disabled ? { sessions_ended: sessionsEnded } : {}) }
		});
	});
}
