import type { Kysely } from 'kysely';
import { z } from 'zod';

import { isCentreRole, ROLE_ORDER, STAFF_ROLES, type StaffRole } from '../../domain/roles.js';
import { writeAudit, type Actor } from '../audit/index.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import type { Database } from '../db/schema.js';
import { onUniqueViolation } from '../db/unique.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, parse } from '../validation.js';
import { issuePasswordToken } from './password-tokens.js';

/*
 * Staff accounts: how one is made and read. The awarding administrator creates one without a
 * password (the owner chooses one through a one-time link); the operator's tools (the CLI's
 * `user add`, the demo) create one with a password chosen there. Both go through one creator: the
 * account, its one role (roles are the domain's STAFF_ROLES) and the audit entry, never a password
 * or a link in it. Changes to an existing account are in staff-changes.ts.
 */

const roleAndCentre = {
	role: z.enum(STAFF_ROLES, { message: 'Choose a role' }),
	centre_id: z
		.string()
		.optional()
		.transform((v) => v || null)
};

/** One role to give an account: a role, and the centre for a centre role. */
export const roleInputSchema = z.object(roleAndCentre);

export const inviteInputSchema = z.object({
	email: z.string().trim().toLowerCase().email('Enter a valid email address'),
	display_name: z
		.string()
		.trim()
		.min(1, 'Name is required')
		.max(200, 'Name is at most 200 characters'),
	...roleAndCentre
});

/** An account with a password chosen by the operator's tools (checked as any new password is). */
export const staffInputSchema = inviteInputSchema.extend({ password: z.string() });

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
export async function rolesOf(db: Kysely<Database>, userId: string): Promise<StaffRoleGrant[]> {
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
			role: r.role,
			centre_id: r.centre_id,
			centre_label: r.number ? `${r.number} ${r.name}` : null
		}))
		.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
}

/** The centre for a role: required for centre roles, none for the others; an unknown centre is a form error. */
export async function centreFor(
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

/**
 * The one creator of staff accounts: the account, its role (at `centreId`, from centreFor) and the
 * audit entry in one transaction, with `andThen` in the same transaction (an invitation's link).
 * One account per email: the unique constraint decides, and a second is a form error on the email.
 */
async function createAccount<T extends object>(
	db: Kysely<Database>,
	actor: Actor,
	parsed: z.output<typeof inviteInputSchema>,
	centreId: string | null,
	passwordHash: string,
	andThen: (tx: Kysely<Database>, userId: string) => Promise<T>
): Promise<{ id: string; email: string } & T> {
	const taken = () =>
		new ValidationError(`An account for ${parsed.email} already exists`, [
			{ field: 'email', message: 'Already in use' }
		]);
	return onUniqueViolation(
		() =>
			db.transaction().execute(async (tx) => {
				const user = await tx
					.insertInto('app_user')
					.values({
						email: parsed.email,
						display_name: parsed.display_name,
						password_hash: passwordHash
					})
					.returning(['id', 'email'])
					.executeTakeFirstOrThrow();
				await tx
					.insertInto('membership')
					.values({ user_id: user.id, role: parsed.role, centre_id: centreId })
					.execute();
				const more = await andThen(tx, user.id);
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
				return { ...user, ...more };
			}),
		{ app_user_email_key: taken }
	);
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
	return createAccount(db, actor, parsed, centreId, '', (tx, userId) =>
		issuePasswordToken(tx, userId, 'set', now)
	);
}

/** Creates an account with the password given (the CLI's `user add`, the demo): no link is issued. */
export async function createStaffAccount(
	db: Kysely<Database>,
	actor: Actor,
	input: unknown
): Promise<{ id: string; email: string }> {
	const parsed = parse(staffInputSchema, input);
	const problem = passwordProblem(parsed.password);
	if (problem) throw new ValidationError(problem, [{ field: 'password', message: problem }]);
	const centreId = await centreFor(db, parsed.role, parsed.centre_id);
	const passwordHash = await hashPassword(parsed.password);
	return createAccount(db, actor, parsed, centreId, passwordHash, async () => ({}));
}

export interface StaffListRow {
	id: string;
	email: string;
	display_name: string;
	disabled_at: Date | null;
	/** False for an account whose owner has not yet set a password through their link. */
	has_password: boolean;
	roles: { role: StaffRole; centre_number: string | null }[];
}

/** Every staff account with its roles, by email: the administrator's list. */
export async function listStaff(db: Kysely<Database>): Promise<StaffListRow[]> {
	const rows = await db
		.selectFrom('app_user as u')
		.leftJoin('membership as m', 'm.user_id', 'u.id')
		.leftJoin('centre as c', 'c.id', 'm.centre_id')
		.select([
			'u.id',
			'u.email',
			'u.display_name',
			'u.disabled_at',
			'u.password_hash',
			'm.role',
			'c.number as centre_number'
		])
		.orderBy('u.email')
		.execute();
	const byId = new Map<string, StaffListRow>();
	for (const r of rows) {
		const entry = byId.get(r.id) ?? {
			id: r.id,
			email: r.email,
			display_name: r.display_name,
			disabled_at: r.disabled_at,
			has_password: r.password_hash !== '',
			roles: []
		};
		if (r.role) entry.roles.push({ role: r.role, centre_number: r.centre_number });
		byId.set(r.id, entry);
	}
	return [...byId.values()];
}
