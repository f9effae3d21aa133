import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';

import type { StaffRole } from '../../lib/domain/roles.js';
import { createStaffAccount } from '../../lib/server/accounts/staff.js';
import { SYSTEM_ACTOR } from '../../lib/server/audit/index.js';
import { registerCandidate } from '../../lib/server/centres/candidates.js';
import { createCentre } from '../../lib/server/centres/centres.js';
import type { Database } from '../../lib/server/db/schema.js';
import { importRegistrations } from '../../lib/server/registrations/register.js';
import { bookSitting } from '../../lib/server/sittings/booking.js';
import { seedAwardingDemo } from './awarding.js';
import { seedFinishedSitting, type FinishedSitting } from './finished-sitting.js';
import { seedDemoReleasedResults } from './released-results.js';
import { seedDemoResults, type DemoResults } from './results.js';
import { seedDemoStandardisation } from './standardisation.js';

export const DEMO_CENTRE = { number: '900001', name: 'Demo Training Centre' };

export interface DemoAccount {
	role: StaffRole;
	email: string;
	password: string;
}

export interface DemoData {
	centreId: string;
	sitting: { paperCode: string; keycode: string; room: string } | null;
	/** A finished sitting, marked, whose results await awarding (null when the bank lacks its paper). */
	awarding: Awaited<ReturnType<typeof seedAwardingDemo>>;
	accounts: DemoAccount[];
	candidates: { candidateNumber: string; name: string }[];
	/** A candidate whose result is already released (for results and reviews of marking). */
	results: DemoResults | null;
	/** Yesterday's sitting of 8992-111-A, ended, its scripts ready to mark (null without that paper). */
	finished: FinishedSitting | null;
}

const ACCOUNTS: { role: StaffRole; email: string; name: string }[] = [
	{ role: 'awarding_admin', email: 'admin@demo.test', name: 'Alex Awarding' },
	{ role: 'centre_admin', email: 'centre@demo.test', name: 'Casey Centre' },
	{ role: 'invigilator', email: 'invigilator@demo.test', name: 'Indra Invigilator' },
	{ role: 'marker', email: 'marker@demo.test', name: 'Morgan Marker' },
	{ role: 'moderator', email: 'moderator@demo.test', name: 'Mo Moderator' }
];

const CANDIDATES = [
	{ candidate_number: '0001', first_name: 'Aisha', last_name: 'Khan' },
	{ candidate_number: '0002', first_name: 'Ben', last_name: 'Okafor', extra_time_percent: 25 },
	{ candidate_number: '0003', first_name: 'Chloe', last_name: 'Murphy' },
	{
		candidate_number: '0004',
		first_name: 'Dylan',
		last_name: 'Evans',
		rest_breaks: true,
		reader: true
	},
	{ candidate_number: '0005', first_name: 'Ewa', last_name: 'Nowak' }
];

/** A password that is easy to type from a console: four groups of four, no look-alike characters. */
export function generateReadablePassword(): string {
	const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
	const group = () =>
		Array.from({ length: 4 }, () => alphabet[randomInt(alphabet.length)]).join('');
	return [group(), group(), group(), group()].join('-');
}

export async function isDatabaseEmpty(db: Kysely<Database>): Promise<boolean> {
	const row = await db.selectFrom('app_user').select('id').limit(1).executeTakeFirst();
	return !row;
}

/**
 * Creates the demo centre, one account per staff role (random passwords, returned once, never
 * stored in the repository), a few candidates, a sitting ready to start and the released results
 * of a sitting held a week ago (demo/released-results.ts). Call only on an empty database.
 */
export async function seedDemo(db: Kysely<Database>): Promise<DemoData> {
	const centre = await createCentre(db, SYSTEM_ACTOR, DEMO_CENTRE);
	const accounts: DemoAccount[] = [];
	for (const a of ACCOUNTS) {
		const password = generateReadablePassword();
		await createStaffAccount(db, SYSTEM_ACTOR, {
			email: a.email,
			display_name: a.name,
			password,
			role: a.role,
			centre_id: centre.id
		});
		accounts.push({ role: a.role, email: a.email, password });
	}
	const candidateIds: string[] = [];
	for (const c of CANDIDATES)
		candidateIds.push((await registerCandidate(db, SYSTEM_ACTOR, centre.id, c)).id);

	// A sitting ready to start today, on a Level 1 live paper when the bank has one.
	const papers = await db
		.selectFrom('paper')
		.select(['code', 'kind'])
		.where('current_version_id', 'is not', null)
		.orderBy('code')
		.execute();
	const paper =
		papers.find((p) => p.code === '8992-111-A') ??
		papers.find((p) => p.kind === 'live') ??
		papers[0];
	let sitting: DemoData['sitting'] = null;
	if (paper) {
		const invigilator = await db
			.selectFrom('app_user')
			.select('id')
			.where('email', '=', 'invigilator@demo.test')
			.executeTakeFirstOrThrow();
		const unit = (
			await db
				.selectFrom('paper')
				.select('unit_code')
				.where('code', '=', paper.code)
				.executeTakeFirstOrThrow()
		).unit_code;
		await importRegistrations(
			db,
			SYSTEM_ACTOR,
			centre.id,
			candidateIds,
			unit,
			new Date(Date.now() - 30 * 24 * 3600_000)
		);
		const booked = await bookSitting(db, SYSTEM_ACTOR, centre.id, {
			paper_code: paper.code,
			scheduled_at: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
			room: 'Room 1',
			invigilator_ids: [invigilator.id],
			candidate_ids: candidateIds
		});
		sitting = { paperCode: paper.code, keycode: booked.keycode, room: booked.room };
	}
	const staff = async (email: string) => {
		const u = await db
			.selectFrom('app_user')
			.select('id')
			.where('email', '=', email)
			.executeTakeFirstOrThrow();
		return { userId: u.id, label: email };
	};
	const idOf = async (email: string) => (await staff(email)).userId;
	const results = await seedDemoResults(db, centre.id, {
		invigilatorId: await idOf('invigilator@demo.test'),
		// Marked by a marker of its own, so the demo marker's queue starts empty (their work is the
		// live demo sitting). Its password is random and never shown: an administrator can reset it.
		markerId: (
			await createStaffAccount(db, SYSTEM_ACTOR, {
				email: 'results-marker@demo.test',
				display_name: 'Robin Results-Marker',
				password: generateReadablePassword(),
				role: 'marker',
				centre_id: centre.id
			})
		).id,
		adminId: await idOf('admin@demo.test')
	});
	const finished = await seedFinishedSitting(db, centre.id, {
		centreAdmin: await staff('centre@demo.test'),
		invigilator: await staff('invigilator@demo.test'),
		awardingAdmin: await staff('admin@demo.test'),
		markerId: (await staff('marker@demo.test')).userId
	});
	if (finished)
		finished.seeds = await seedDemoStandardisation(db, finished, await idOf('moderator@demo.test'));
	const awarding = await seedAwardingDemo(db, await idOf('marker@demo.test'));
	// Released results of a sitting a week ago, for the centre's results page and downloads.
	await seedDemoReleasedResults(db, centre.id);
	return {
		centreId: centre.id,
		sitting,
		awarding,
		accounts,
		candidates: CANDIDATES.map((c) => ({
			candidateNumber: c.candidate_number,
			name: `${c.first_name} ${c.last_name}`
		})),
		results,
		finished
	};
}

/** The console line about the finished sitting: what a marker will find. */
export function formatFinishedSitting(f: FinishedSitting): string {
	const to = f.allocatedTo.length
		? `allocated to ${f.allocatedTo.join(', ')} (Marking)`
		: 'not yet allocated to a marker';
	const seeds = f.seeds
		? ` The marker first marks ${f.seeds} standardisation scripts agreed by the moderator (Marking → Standardisation); live marking opens when they are within tolerance.`
		: '';
	return `Demo marking: ${f.paperCode} sat on ${f.day} in ${f.room} and ended: ${f.scripts} scripts ready to mark (${f.absent} absent; ${f.blank} items left blank), ${to}.${seeds}`;
}

/** The console lines people and scripts read: `  <role>: <email> / <password>`. */
export function formatDemoCredentials(demo: DemoData): string[] {
	return demo.accounts.map((a) => `  ${a.role}: ${a.email} / ${a.password}`);
}
