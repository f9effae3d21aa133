import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	changeOwnPassword,
	WRONG_CURRENT_PASSWORD
} from '../../src/lib/server/accounts/own-account.js';
import {
	findUsablePasswordToken,
	LINK_NOT_VALID,
	PASSWORD_LINK_HOURS,
	setPasswordWithToken
} from '../../src/lib/server/accounts/password-tokens.js';
import {
	addStaffRole,
	removeStaffRole,
	resetStaffPassword,
	setStaffDisabled,
	updateStaffAccount
} from '../../src/lib/server/accounts/staff-changes.js';
import { getStaffAccount, inviteStaffAccount } from '../../src/lib/server/accounts/staff.js';
import type { Actor } from '../../src/lib/server/audit/index.js';
import { validateSessionToken } from '../../src/lib/server/auth/sessions.js';
import { signInStaff, WRONG_CREDENTIALS } from '../../src/lib/server/auth/sign-in.js';
import { hashSecret } from '../../src/lib/server/auth/tokens.js';
import type { DatabaseHandle } from '../../src/lib/server/db/index.js';
import { ValidationError } from '../../src/lib/server/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { makeCentre, makeStaff, PASSWORD } from '../helpers/fixtures.js';

let h: DatabaseHandle;
let admin: Actor;
beforeAll(async () => {
	h = await createTestDatabase();
	const a = await makeStaff(h.db, 'awarding_admin');
	admin = { userId: a.id, label: a.email, ip: '10.1.0.1' };
});
afterAll(() => h.close());

const NEW_PASSWORD = 'a brand new passphrase';
let n = 0;
const email = () => `person.${++n}.${Date.now()}@example.test`;
const auditOf = (subjectId: string) =>
	h.db
		.selectFrom('audit_log')
		.selectAll()
		.where('subject_id', '=', subjectId)
		.orderBy('id')
		.execute();
const noSecretsIn = (rows: unknown[], ...secrets: string[]) => {
	const text = JSON.stringify(rows);
	for (const s of secrets) expect(text).not.toContain(s);
};

describe('creating an account with a one-time set-password link', () => {
	it('creates it with no password; the link sets one once, signs the owner in and is audited without the token', async () => {
		const centre = await makeCentre(h.db);
		const e = email();
		const invite = await inviteStaffAccount(h.db, admin, {
			email: e,
			display_name: 'Ann Lee',
			role: 'invigilator',
			centre_id: centre.id
		});
		expect(invite.token).toMatch(/^[a-z2-7]{48}$/);
		// Only the hash is stored, and the link lasts 72 hours.
		const row = await h.db
			.selectFrom('password_token')
			.selectAll()
			.where('user_id', '=', invite.id)
			.executeTakeFirstOrThrow();
		expect(new Uint8Array(row.token_hash)).toEqual(hashSecret(invite.token));
		expect(JSON.stringify(row)).not.toContain(invite.token);
		expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(
			PASSWORD_LINK_HOURS * 3600_000
		);
		// No password works before the link is used.
		await expect(signInStaff(h.db, { email: e, password: '', ip: '10.1.1.1' })).rejects.toThrow();
		await expect(
			signInStaff(h.db, { email: e, password: 'anything at all here', ip: '10.1.1.1' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		expect(await findUsablePasswordToken(h.db, invite.token)).toEqual({
			email: e,
			displayName: 'Ann Lee'
		});

		const set = await setPasswordWithToken(h.db, {
			token: invite.token,
			password: NEW_PASSWORD,
			confirm: NEW_PASSWORD,
			ip: '10.1.1.2'
		});
		expect(set.userId).toBe(invite.id);
		expect((await validateSessionToken(h.db, set.token))?.user.email).toBe(e);
		expect(
			(await signInStaff(h.db, { email: e, password: NEW_PASSWORD, ip: '10.1.1.3' })).userId
		).toBe(invite.id);

		// Single use.
		expect(await findUsablePasswordToken(h.db, invite.token)).toBeNull();
		await expect(
			setPasswordWithToken(h.db, {
				token: invite.token,
				password: 'another passphrase',
				confirm: 'another passphrase',
				ip: '10.1.1.2'
			})
		).rejects.toThrow(LINK_NOT_VALID);
		const audit = await auditOf(invite.id);
		expect(audit.map((a) => a.action)).toEqual([
			'user.create',
			'user.set_password',
			'auth.sign_in'
		]);
		expect(audit[0]!.details).toMatchObject({
			email: e,
			display_name: 'Ann Lee',
			role: 'invigilator',
			centre_id: centre.id
		});
		noSecretsIn(audit, invite.token, NEW_PASSWORD);
	});

	it('lets only one of two uses of the same link at the same moment through', async () => {
		const invite = await inviteStaffAccount(h.db, admin, {
			email: email(),
			display_name: 'Twin',
			role: 'marker'
		});
		const results = await Promise.allSettled(
			['first passphrase!', 'second passphrase'].map((p) =>
				setPasswordWithToken(h.db, { token: invite.token, password: p, confirm: p, ip: '10.1.2.1' })
			)
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
	});

	it('refuses an expired link, a short password and a mismatch, changing nothing', async () => {
		const created = new Date(Date.now() - (PASSWORD_LINK_HOURS + 1) * 3600_000);
		const old = await inviteStaffAccount(
			h.db,
			admin,
			{ email: email(), display_name: 'Late', role: 'marker' },
			created
		);
		await expect(
			setPasswordWithToken(h.db, {
				token: old.token,
				password: NEW_PASSWORD,
				confirm: NEW_PASSWORD,
				ip: '10.1.3.1'
			})
		).rejects.toThrow(LINK_NOT_VALID);
		const fresh = await inviteStaffAccount(h.db, admin, {
			email: email(),
			display_name: 'Fresh',
			role: 'marker'
		});
		const short = await setPasswordWithToken(h.db, {
			token: fresh.token,
			password: 'short',
			confirm: 'short',
			ip: '10.1.3.1'
		}).catch((e: unknown) => e);
		expect((short as ValidationError).issues[0]?.field).toBe('password');
		const mismatch = await setPasswordWithToken(h.db, {
			token: fresh.token,
			password: NEW_PASSWORD,
			confirm: 'something else!',
			ip: '10.1.3.1'
		}).catch((e: unknown) => e);
		expect((mismatch as ValidationError).issues[0]?.field).toBe('confirm');
		expect(await findUsablePasswordToken(h.db, fresh.token)).not.toBeNull();
		expect((await getStaffAccount(h.db, fresh.id)).has_password).toBe(false);
	});

	it('refuses a second account for the same email, naming the field', async () => {
		const e = email();
		await inviteStaffAccount(h.db, admin, { email: e, display_name: 'One', role: 'marker' });
		const err = await inviteStaffAccount(h.db, admin, {
			email: e.toUpperCase(),
			display_name: 'Two',
			role: 'marker'
		}).catch((x: unknown) => x);
		expect((err as ValidationError).issues).toEqual([
			{ field: 'email', message: 'Already in use' }
		]);
	});
});

describe('resetting a password', () => {
	it('stops the old password and every session at once and gives a new one-time link', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const s1 = await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.2.0.1' });
		const reset = await resetStaffPassword(h.db, admin, staff.id);
		expect(await validateSessionToken(h.db, s1.token)).toBeNull();
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.2.0.1' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		await setPasswordWithToken(h.db, {
			token: reset.token,
			password: NEW_PASSWORD,
			confirm: NEW_PASSWORD,
			ip: '10.2.0.2'
		});
		expect(
			(await signInStaff(h.db, { email: staff.email, password: NEW_PASSWORD, ip: '10.2.0.1' }))
				.userId
		).toBe(staff.id);
		const audit = await auditOf(staff.id);
		expect(audit.find((a) => a.action === 'user.reset_password')?.details).toEqual({
			sessions_ended: 1
		});
		noSecretsIn(audit, reset.token, PASSWORD, NEW_PASSWORD);
	});

	it('a second reset replaces the first link', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const first = await resetStaffPassword(h.db, admin, staff.id);
		await resetStaffPassword(h.db, admin, staff.id);
		await expect(
			setPasswordWithToken(h.db, {
				token: first.token,
				password: NEW_PASSWORD,
				confirm: NEW_PASSWORD,
				ip: '10.2.1.1'
			})
		).rejects.toThrow(LINK_NOT_VALID);
	});
});

describe('editing and disabling an account', () => {
	it('renames, audited with before and after (the same name writes nothing)', async () => {
		const staff = await makeStaff(h.db, 'marker');
		await updateStaffAccount(h.db, admin, staff.id, { display_name: 'Renamed Person' });
		await updateStaffAccount(h.db, admin, staff.id, { display_name: 'Renamed Person' });
		expect((await getStaffAccount(h.db, staff.id)).display_name).toBe('Renamed Person');
		expect(
			(await auditOf(staff.id)).filter((x) => x.action === 'user.update').map((x) => x.details)
		).toEqual([
			{ before: { display_name: expect.any(String) }, after: { display_name: 'Renamed Person' } }
		]);
	});

	it('gives an account several roles (marker and moderator; invigilator and centre administrator at a centre), each audited; the grants follow at once', async () => {
		const a = await makeCentre(h.db);
		const staff = await makeStaff(h.db, 'marker');
		await addStaffRole(h.db, admin, staff.id, { role: 'moderator' });
		await addStaffRole(h.db, admin, staff.id, { role: 'invigilator', centre_id: a.id });
		await addStaffRole(h.db, admin, staff.id, { role: 'centre_admin', centre_id: a.id });
		const acc = await getStaffAccount(h.db, staff.id);
		expect(acc.roles.map((g) => [g.role, g.centre_id])).toEqual([
			['centre_admin', a.id],
			['invigilator', a.id],
			['moderator', null],
			['marker', null]
		]);
		const s = await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.3.1.1' });
		expect(
			(await validateSessionToken(h.db, s.token))!.user.grants.map((g) => g.role).sort()
		).toEqual(['centre_admin', 'invigilator', 'marker', 'moderator']);
		const adds = (await auditOf(staff.id)).filter((x) => x.action === 'user.add_role');
		expect(adds).toHaveLength(3);
		expect(adds[0]!.details).toEqual({
			before: { roles: [{ role: 'marker', centre_id: null }] },
			after: {
				roles: [
					{ role: 'marker', centre_id: null },
					{ role: 'moderator', centre_id: null }
				]
			}
		});

		// The same role twice, or a centre role without its centre: a form error, nothing added.
		await expect(addStaffRole(h.db, admin, staff.id, { role: 'moderator' })).rejects.toThrow(
			'already has that role'
		);
		await expect(
			addStaffRole(h.db, admin, staff.id, { role: 'invigilator', centre_id: '' })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(addStaffRole(h.db, admin, staff.id, { role: 'boss' })).rejects.toBeInstanceOf(
			ValidationError
		);
		expect((await getStaffAccount(h.db, staff.id)).roles).toHaveLength(4);

		// Removing: one at a time, audited; never the last one.
		for (const g of (await getStaffAccount(h.db, staff.id)).roles.slice(1))
			await removeStaffRole(h.db, admin, staff.id, g.id);
		const [last] = (await getStaffAccount(h.db, staff.id)).roles;
		expect([last!.role, last!.centre_id]).toEqual(['centre_admin', a.id]);
		await expect(removeStaffRole(h.db, admin, staff.id, last!.id)).rejects.toThrow(
			'keeps at least one role'
		);
		expect((await getStaffAccount(h.db, staff.id)).roles).toHaveLength(1);
		expect((await auditOf(staff.id)).filter((x) => x.action === 'user.remove_role')).toHaveLength(
			3
		);
		expect((await validateSessionToken(h.db, s.token))!.user.grants.map((g) => g.role)).toEqual([
			'centre_admin'
		]);
		// Another account's role is not this account's to remove.
		const other = await makeStaff(h.db, 'marker');
		await expect(
			removeStaffRole(h.db, admin, staff.id, (await getStaffAccount(h.db, other.id)).roles[0]!.id)
		).rejects.toThrow('no such role');
	});

	it('disabling ends the sessions at once and refuses sign-in with the wrong-password message; enabling lets them back', async () => {
		const staff = await makeStaff(h.db, 'marker');
		const s = await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.3.0.1' });
		await setStaffDisabled(h.db, admin, staff.id, true);
		expect(
			await h.db.selectFrom('auth_session').select('id').where('user_id', '=', staff.id).execute()
		).toEqual([]);
		expect(await validateSessionToken(h.db, s.token)).toBeNull();
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.3.0.1' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		// A reset link cannot bring a disabled account back either.
		await expect(resetStaffPassword(h.db, admin, staff.id)).rejects.toThrow('disabled');
		await setStaffDisabled(h.db, admin, staff.id, false);
		expect(
			(await signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.3.0.1' })).userId
		).toBe(staff.id);
		const actions = (await auditOf(staff.id)).map((x) => [x.action, x.details]);
		expect(actions).toContainEqual([
			'user.disable',
			{ before: { disabled: false }, after: { disabled: true }, sessions_ended: 1 }
		]);
		expect(actions).toContainEqual([
			'user.enable',
			{ before: { disabled: true }, after: { disabled: false } }
		]);
	});

	it('an administrator cannot disable their own account or drop their own role', async () => {
		await expect(setStaffDisabled(h.db, admin, admin.userId!, true)).rejects.toBeInstanceOf(
			ValidationError
		);
		// Even with another role to keep, their own awarding administrator role stays.
		await addStaffRole(h.db, admin, admin.userId!, { role: 'marker' });
		const own = (await getStaffAccount(h.db, admin.userId!)).roles.find(
			(g) => g.role === 'awarding_admin'
		)!;
		await expect(removeStaffRole(h.db, admin, admin.userId!, own.id)).rejects.toThrow(
			'from your own account'
		);
		expect((await getStaffAccount(h.db, admin.userId!)).roles.map((g) => g.role)).toEqual([
			'awarding_admin',
			'marker'
		]);
	});
});

describe('changing your own password', () => {
	it('asks for the current one, ends the other sessions and keeps this one, audited without passwords', async () => {
		const staff = await makeStaff(h.db, 'moderator');
		const here = await signInStaff(h.db, {
			email: staff.email,
			password: PASSWORD,
			ip: '10.4.0.1'
		});
		const elsewhere = await signInStaff(h.db, {
			email: staff.email,
			password: PASSWORD,
			ip: '10.4.0.2'
		});
		const hereSession = (await validateSessionToken(h.db, here.token))!.session;
		const actor = { userId: staff.id, label: staff.email };
		const wrong = await changeOwnPassword(h.db, actor, {
			userId: staff.id,
			sessionId: hereSession.id,
			current: 'not my password',
			password: NEW_PASSWORD,
			confirm: NEW_PASSWORD
		}).catch((e: unknown) => e);
		expect((wrong as ValidationError).issues).toEqual([
			{ field: 'current', message: WRONG_CURRENT_PASSWORD }
		]);
		expect(await validateSessionToken(h.db, elsewhere.token)).not.toBeNull();

		const r = await changeOwnPassword(h.db, actor, {
			userId: staff.id,
			sessionId: hereSession.id,
			current: PASSWORD,
			password: NEW_PASSWORD,
			confirm: NEW_PASSWORD
		});
		expect(r).toEqual({ otherSessionsEnded: 1 });
		expect(await validateSessionToken(h.db, here.token)).not.toBeNull();
		expect(await validateSessionToken(h.db, elsewhere.token)).toBeNull();
		await expect(
			signInStaff(h.db, { email: staff.email, password: PASSWORD, ip: '10.4.0.3' })
		).rejects.toThrow(WRONG_CREDENTIALS);
		expect(
			(await signInStaff(h.db, { email: staff.email, password: NEW_PASSWORD, ip: '10.4.0.3' }))
				.userId
		).toBe(staff.id);
		const audit = await auditOf(staff.id);
		expect(audit.find((a) => a.action === 'user.change_password')?.details).toEqual({
			other_sessions_ended: 1
		});
		noSecretsIn(audit, PASSWORD, NEW_PASSWORD);
	});
});
