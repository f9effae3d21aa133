import type { Kysely } from 'kysely';
import { z } from 'zod';

import { isCentreRole, ROLE_ORDER, STAFF_ROLES, type StaffRole } from '../../domain/roles.js';
import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';
import { issuePasswordToken } from './password-tokens.js';

/*
 * Staff accounts as the awarding administrator manages them: created without a password (the owner
 * chooses one through a one-time link), reset (a new link; the old password and every session stop
 * working at once), renamed, given roles and relieved of them (an account may hold several – a marker
 * who also moderates, an invigilator who is also the centre's administrator – and always keeps at
 * least one), disabled and enabled. Every change is audited with before and after; never a password
 * or a link.
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
	display_name: z
		.string()
		.trim()
		.min(1, 'Name is required')
		.max(200, 'Name is at most 200 characters'),
	...roleAndCentre
});

export const staffEditSchema = z.object({
	display_name: z
		.string()
		.trim()
		.min(1, 'Name is required')
		.max(200, 'Name is at most 200 characters')
});

/** One role to give an account: a role, and the centre for a centre role. */
export const roleInputSchema = z.object(roleAndCentre);

export interface StaffRoleGrant {
	/** The membership's id, to name it for removal. */
	id: string;
	role: StaffRole;
	centre_id: string | null;
	centre_label: string | null;
}

export interface StaffAccount {
	id: string;
	email: string;
	display_name: string;
	disabled_at: Date | null;
	/** Every role the account holds, widest first (ROLE_ORDER), then by centre. */
	roles: StaffRoleGrant[];
	/** Whether a password has been chosen (an invited account has none until its link is used). */
	has_password: boolean;
}

export async function getStaffAccount(db: Kysely<Database>, userId: string): Promise<StaffAccount> {
	if (!isUuid(userId)) throw new NotFoundError('No such account');
	const user = await db
		.selectFrom('app_user')
		.select(['id', 'email', 'display_name', 'disabled_at', 'password_hash'])
		.where('id', '=', userId)
		.executeTakeFirst();
	if (!user) throw new NotFoundError('No such account');
	return {
		id: user.id,
		email: user.email,
		display_name: user.display_name,
		disabled_at: user.disabled_at,
		roles: await rolesOf(db, user.id),
		has_password: user.password_hash !== ''
	};
}

/** An account's roles, widest first, then by centre number. */
async function rolesOf(db: Kysely<Database>, userId: string): Promise<StaffRoleGrant[]> {
	const rows = await db
		.selectFrom('membership as m')
		.leftJoin('centre as c', 'c.id', 'm.centre_id')
		.select(['m.id', 'm.role', 'm.centre_id', 'c.number', 'c.name'])
		.where('m.user_id', '=', userId)
		.orderBy('c.number')
		.execute();
	return rows
		.map((r) => ({
			id: r.id,
			role: r.role as StaffRole,
			centre_id: r.centre_id,
			centre_label: r.number ? `${r.number} ${r.name}` : null
		}))
		.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
}

/** How a role reads in the audit log: the role, and its centre for a centre role. */
const grantOf = (g: { role: string; centre_id: string | null }) => ({
	role: g.role,
	centre_id: g.centre_id
});

/** The centre for a role: required for centre roles, none for the others; an unknown centre is a form error. */
async function centreFor(
	db: Kysely<Database>,
	role: StaffRole,
	centreId: string | null
): Promise<string | null> {
	if (!isCentreRole(role)) return null;
	if (!centreId)
		throw new ValidationError('Choose the centre for this role', [
			{ field: 'centre_id', message: 'Required for this role' }
		]);
	const found = isUuid(centreId)
		? await db.selectFrom('centre').select('id').where('id', '=', centreId).executeTakeFirst()
		: undefined;
	if (!found)
		throw new ValidationError('No such centre', [
			{ field: 'centre_id', message: 'No such centre' }
		]);
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
	const taken = () =>
		new ValidationError(`An account for ${parsed.email} already exists`, [
			{ field: 'email', message: 'Already in use' }
		]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const user = await tx
					.insertInto('app_user')
					.values({ email: parsed.email, display_name: parsed.display_name, password_hash: '' })
					.returning(['id', 'email'])
					.executeTakeFirstOrThrow();
				await tx
					.insertInto('membership')
					.values({ user_id: user.id, role: parsed.role, centre_id: centreId })
					.execute();
				const link = await issuePasswordToken(tx, user.id, 'set', now);
				await writeAudit(tx, actor, {
					action: 'user.create',
					centreId,
					subjectType: 'user',
					subjectId: user.id,
					details: {
						email: parsed.email,
						display_name: parsed.display_name,
						role: parsed.role,
						centre_id: centreId
					}
				});
				return { ...user, ...link };
			}),
		{ app_user_email_key: taken }
	);
}

/** Locks the account's row for the change (so two administrators' edits queue rather than interleave). */
async function lockAccount(tx: Kysely<Database>, userId: string) {
	if (!isUuid(userId)) throw new NotFoundError('No such account');
	const row = await tx
		.selectFrom('app_user')
		.select(['id', 'email', 'display_name', 'disabled_at'])
		.where('id', '=', userId)
		.forUpdate()
		.executeTakeFirst();
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
		if (user.disabled_at)
			throw new ConflictError('This account is disabled; enable it before resetting its password');
		await tx.updateTable('app_user').set({ password_hash: '' }).where('id', '=', user.id).execute();
		const ended = await tx
			.deleteFrom('auth_session')
			.where('user_id', '=', user.id)
			.executeTakeFirst();
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

/** Changes an account's name; audited with before and after (nothing is written when it is the same). */
export async function updateStaffAccount(
	db: Kysely<Database>,
	actor: Actor,
	userId: string,
	input: unknown
): Promise<void> {
	const parsed = parse(staffEditSchema, input);
	await db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		if (user.display_name === parsed.display_name) return;
		await tx
			.updateTable('app_user')
			.set({ display_name: parsed.display_name })
			.where('id', '=', user.id)
			.execute();
		await writeAudit(tx, actor, {
			action: 'user.update',
			subjectType: 'user',
			subjectId: user.id,
			details: {
				before: { display_name: user.display_name },
				after: { display_name: parsed.display_name }
			}
		});
	});
}

/**
 * Gives an account one more role (with its centre for a centre role). Decided under the account's
 * row lock, so two administrators' changes queue. Audited with the roles before and after.
 */
export async function addStaffRole(
	db: Kysely<Database>,
	actor: Actor,
	userId: string,
	input: unknown
): Promise<void> {
	const parsed = parse(roleInputSchema, input);
	const centreId = await centreFor(db, parsed.role, parsed.centre_id);
	await db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		const before = await rolesOf(tx, user.id);
		if (before.some((g) => g.role === parsed.role && g.centre_id === centreId)) {
			throw new ValidationError('This account already has that role', [
				{ field: 'role', message: 'Already has this role' }
			]);
		}
		await tx
			.insertInto('membership')
			.values({ user_id: user.id, role: parsed.role, centre_id: centreId })
			.execute();
		const added = { role: parsed.role, centre_id: centreId };
		await writeAudit(tx, actor, {
			action: 'user.add_role',
			centreId,
			subjectType: 'user',
			subjectId: user.id,
			details: {
				before: { roles: before.map(grantOf) },
				after: { roles: [...before.map(grantOf), added] }
			}
		});
	});
}

/**
 * Takes one role from an account. Refused when it is the account's only role (an account always
 * has one), and for an administrator's own awarding administrator role (another administrator must
 * do that). Audited with the roles before and after.
 */
export async function removeStaffRole(
	db: Kysely<Database>,
	actor: Actor,
	userId: string,
	membershipId: unknown
): Promise<void> {
	await db.transaction().execute(async (tx) => {
		const user = await lockAccount(tx, userId);
		const before = await rolesOf(tx, user.id);
		const target = isUuid(membershipId) ? before.find((g) => g.id === membershipId) : undefined;
		if (!target) throw new NotFoundError('This account has no such role');
		if (before.length === 1) {
			throw new ValidationError(
				'An account keeps at least one role: give it another role before removing this one',
				[{ field: 'membership_id', message: 'Its only role' }]
			);
		}
		if (actor.userId === user.id && target.role === 'awarding_admin') {
			throw new ValidationError(
				'You cannot take the awarding administrator role from your own account',
				[{ field: 'membership_id', message: 'Ask another awarding administrator' }]
			);
		}
		await tx.deleteFrom('membership').where('id', '=', target.id).execute();
		await writeAudit(tx, actor, {
			action: 'user.remove_role',
			centreId: target.centre_id,
			subjectType: 'user',
			subjectId: user.id,
			details: {
				before: { roles: before.map(grantOf) },
				after: { roles: before.filter((g) => g !== target).map(grantOf) }
			}
		});
	});
}

/** Disables an account (its sessions end at once; sign-in is refused as for a wrong password) or enables it again. */
export async function setStaffDisabled(
	db: Kysely<Database>,
	actor: Actor,
	userId: string,
	disabled: boolean,
	now = new Date()
): Promise<void> {
	if (disabled && actor.userId === userId)
		throw new ValidationError('You cannot disable your own account');
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
			sessionsEnded = Number(
				(await tx.deleteFrom('auth_session').where('user_id', '=', user.id).executeTakeFirst())
					.numDeletedRows
			);
			// An outstanding link must not let a disabled account back in.
			await tx
				.deleteFrom('password_token')
				.where('user_id', '=', user.id)
				.where('used_at', 'is', null)
				.execute();
		}
		await writeAudit(tx, actor, {
			action: disabled ? 'user.disable' : 'user.enable',
			subjectType: 'user',
			subjectId: user.id,
			details: {
				before: { disabled: !disabled },
				after: { disabled },
				...(disabled ? { sessions_ended: sessionsEnded } : {})
			}
		});
	});
}
