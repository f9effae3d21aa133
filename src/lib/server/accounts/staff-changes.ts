import type { Kysely } from 'kysely';
import { z } from 'zod';

import { writeAudit, type Actor } from '../audit/index.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';
import { issuePasswordToken } from './password-tokens.js';
import { centreFor, roleInputSchema, rolesOf } from './staff.js';

/*
 * Changes to a staff account, as the awarding administrator makes them: reset (a new link; the old
 * password and every session stop working at once), renamed, given roles and relieved of them (an
 * account may hold several – a marker who also moderates, an invigilator who is also the centre's
 * administrator – and always keeps at least one), disabled and enabled. Every change is audited
 * with before and after; never a password or a link.
 */

/** How a role reads in the audit log: the role, and its centre for a centre role. */
const grantOf = (g: { role: string; centre_id: string | null }) => ({
	role: g.role,
	centre_id: g.centre_id
});

export const staffEditSchema = z.object({
	display_name: z
		.string()
		.trim()
		.min(1, 'Name is required')
		.max(200, 'Name is at most 200 characters')
});

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
