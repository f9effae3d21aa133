import type { Kysely } from 'kysely';

import type { Session, SessionUser } from '$lib/server/auth/sessions';
import type { Database } from '$lib/server/db/schema';
import type { CandidateSession } from '$lib/server/delivery/candidate-session';

declare global {
	namespace App {
		interface Locals {
			/** This request's id (the X-Request-Id header; every log line of the request carries it). Set by hooks.server.ts; absent only in tests that build locals by hand. */
			requestId?: string;
			db: Kysely<Database>;
			user: SessionUser | null;
			session: Session | null;
			/** A candidate signed in to one attempt (separate cookie from staff sessions). */
			candidate: CandidateSession | null;
			/** Why the request's candidate cookie signs nothing in ('moved' or 'ended'); null when there is no such cookie, or it is live. */
			candidateSignedOut: import('$lib/exam-api').SignedOut | null;
		}
		interface Error {
			message: string;
			/** The database is away for a moment (restarting, refusing writes): the error page tries again by itself. */
			retry?: boolean;
		}
	}
}

export {};
