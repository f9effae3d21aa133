import { describe, expect, it } from 'vitest';

import {
	accessNeededFor,
	decideAccess,
	decideSittingAccess,
	homeFor,
	menuFor,
	type RoleGrant
} from '../../src/lib/domain/roles.js';

const A = 'centre-a';
const B = 'centre-b';
const centreAdminA: RoleGrant[] = [{ role: 'centre_admin', centreId: A }];
const marker: RoleGrant[] = [{ role: 'marker', centreId: null }];

describe('decideAccess', () => {
	it('sends someone not signed in to sign in', () => {
		expect(decideAccess(null, { roles: ['marker'] })).toBe('sign_in');
	});
	it('allows the right role', () => {
		expect(decideAccess(marker, { roles: ['marker', 'moderator'] })).toBe('allow');
	});
	it('forbids the wrong role (403), even with a centre', () => {
		expect(decideAccess(marker, { roles: ['awarding_admin'] })).toBe('forbidden');
		expect(decideAccess(marker, { roles: ['centre_admin'], centreId: A })).toBe('forbidden');
	});
	it("allows a centre role at its own centre and hides another centre's pages (404)", () => {
		expect(decideAccess(centreAdminA, { roles: ['centre_admin'], centreId: A })).toBe('allow');
		expect(decideAccess(centreAdminA, { roles: ['centre_admin'], centreId: B })).toBe('not_found');
	});
	it('does not let a role at one centre stand in for another role at a second centre', () => {
		const grants: RoleGrant[] = [
			{ role: 'invigilator', centreId: B },
			{ role: 'centre_admin', centreId: A }
		];
		expect(decideAccess(grants, { roles: ['centre_admin'], centreId: B })).toBe('not_found');
		expect(decideAccess(grants, { roles: ['invigilator'], centreId: B })).toBe('allow');
	});
	it('an account with no roles is forbidden everywhere', () => {
		expect(decideAccess([], { roles: ['marker'] })).toBe('forbidden');
	});
});

describe('homeFor', () => {
	it('sends each role to its home, the most senior first', () => {
		expect(homeFor(marker)).toBe('/mark');
		expect(homeFor(centreAdminA)).toBe('/centre');
		expect(homeFor([{ role: 'invigilator', centreId: A }])).toBe('/invigilate');
		expect(homeFor([...marker, { role: 'awarding_admin', centreId: null }])).toBe('/admin');
		expect(homeFor([])).toBe('/');
	});
});

describe('accessNeededFor (checked by the hook on every request)', () => {
	it('names the roles of each staff area, with the centre for a centre page', () => {
		expect(accessNeededFor('/admin/audit', {})).toEqual({ roles: ['awarding_admin'] });
		expect(accessNeededFor('/admin', {})).toEqual({ roles: ['awarding_admin'] });
		expect(accessNeededFor('/centre/[centreId]/candidates', { centreId: A })).toEqual({
			roles: ['centre_admin'],
			centreId: A
		});
		expect(accessNeededFor('/centre', {})).toEqual({ roles: ['centre_admin'] });
		expect(accessNeededFor('/invigilate/[sittingId]', { sittingId: 'x' })).toEqual({
			roles: ['invigilator', 'centre_admin']
		});
		expect(accessNeededFor('/mark', {})).toEqual({ roles: ['marker', 'moderator'] });
		// The lead markers' group: moderators only, whatever its layout does (a data request skips it).
		expect(accessNeededFor('/mark/(lead)/moderation/[scriptId]', { scriptId: 'x' })).toEqual({
			roles: ['moderator']
		});
		expect(decideAccess(marker, accessNeededFor('/mark/(lead)/settings', {})!)).toBe('forbidden');
		expect(accessNeededFor('/account', {})?.roles).toContain('marker');
	});
	it('leaves public and candidate routes to their own checks, and does not match a mere name prefix', () => {
		expect(accessNeededFor('/', {})).toBeNull();
		expect(accessNeededFor('/signin', {})).toBeNull();
		expect(accessNeededFor('/candidate/exam', {})).toBeNull();
		expect(accessNeededFor('/api/attempts/[attemptId]/clock', {})).toBeNull();
		expect(accessNeededFor('/administration', {})).toBeNull();
		expect(accessNeededFor(null, {})).toBeNull();
	});
	it('a centre route with its parameter missing needs a centre no one has', () => {
		const need = accessNeededFor('/centre/[centreId]', {});
		expect(decideAccess(centreAdminA, need!)).toBe('not_found');
	});
});

describe('decideSittingAccess: who may run a sitting', () => {
	const centre = 'c-1';
	const sitting = { centreId: centre, invigilatorIds: ['u-booked'] };
	it('an invigilator booked on the sitting, and the centre administrator', () => {
		expect(
			decideSittingAccess([{ role: 'invigilator', centreId: centre }], 'u-booked', sitting)
		).toBe('allow');
		expect(
			decideSittingAccess([{ role: 'centre_admin', centreId: centre }], 'u-admin', sitting)
		).toBe('allow');
	});
	it('not another invigilator of the same centre (403), nor anyone of another centre (404)', () => {
		expect(
			decideSittingAccess([{ role: 'invigilator', centreId: centre }], 'u-other', sitting)
		).toBe('forbidden');
		expect(
			decideSittingAccess([{ role: 'invigilator', centreId: 'c-2' }], 'u-booked', sitting)
		).toBe('not_found');
		expect(
			decideSittingAccess([{ role: 'centre_admin', centreId: 'c-2' }], 'u-admin', sitting)
		).toBe('not_found');
		expect(decideSittingAccess([{ role: 'marker', centreId: null }], 'u-m', sitting)).toBe(
			'forbidden'
		);
		expect(decideSittingAccess(null, null, sitting)).toBe('sign_in');
	});
});

describe('menuFor: the site menu follows the one role order', () => {
	it('lists each home once, widest role first; markers and moderators share "Marking"', () => {
		expect(
			menuFor([
				{ role: 'marker', centreId: null },
				{ role: 'invigilator', centreId: 'c' },
				{ role: 'moderator', centreId: null },
				{ role: 'awarding_admin', centreId: null }
			])
		).toEqual([
			{ href: '/admin', label: 'Awarding administrator' },
			{ href: '/invigilate', label: 'Invigilator' },
			{ href: '/mark', label: 'Marking' }
		]);
		expect(
			homeFor([
				{ role: 'marker', centreId: null },
				{ role: 'invigilator', centreId: 'c' }
			])
		).toBe('/invigilate');
	});
});
