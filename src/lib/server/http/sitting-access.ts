import { error, type RequestEvent } from '@sveltejs/kit';

import { decideSittingAccess } from '../../domain/roles.js';
import { getSitting, sittingInvigilatorIds, type SittingSummary } from '../sittings/queries.js';
import { requireRole } from './auth.js';
import { orError } from './responses.js';

/**
 * Guards everything done to a running sitting (its console, actions, report): a booked invigilator
 * or the centre's administrator (decideSittingAccess). Returns the sitting.
 */
export async function requireSittingRunner(
	event: Pick<RequestEvent, 'locals' | 'url' | 'params'>,
	sittingId: string
): Promise<SittingSummary> {
	const user = requireRole(event, ['invigilator', 'centre_admin']);
	const sitting = await orError(getSitting(event.locals.db, sittingId));
	const decision = decideSittingAccess(user.grants, user.id, {
		centreId: sitting.centreId,
		invigilatorIds: await sittingInvigilatorIds(event.locals.db, sitting.id)
	});
	if (decision === 'forbidden')
		error(
			403,
			'You are not an invigilator of this sitting. The centre administrator can add you to it.'
		);
	if (decision !== 'allow') error(404, 'Not found');
	return sitting;
}
