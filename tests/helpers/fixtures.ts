import type { Kysely } from 'kysely';

import type { StaffRole } from '../../src/lib/domain/roles.js';
import { createStaffAccount } from '../../src/lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../src/lib/server/audit/index.js';
import { createCentre } from '../../src/lib/server/centres/centres.js';
import type { Database } from '../../src/lib/server/db/schema.js';

let seq = 0;
export const PASSWORD = 'correct horse battery staple';

export async function makeCentre(db: Kysely<Database>, name = 'Test Centre') {
	seq++;
	return createCentre(db, SYSTEM_ACTOR, {
		number: String(100000 + ((seq * 7919) % 900000)).padStart(6, '0'),
		name: `${name} ${seq}`
	});
}

export async function makeStaff(db: Kysely<Database>, role: StaffRole, centreId?: string) {
	seq++;
	const email = `${role}.${seq}@example.test`;
	const user = await createStaffAccount(db, SYSTEM_ACTOR, {
		email,
		display_name: `${role} ${seq}`,
		password: PASSWORD,
		role,
		centre_id: centreId
	});
	return { ...user, password: PASSWORD };
}
