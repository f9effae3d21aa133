/*
 * The authorisation matrix: who may use each route under src/routes, and what everyone else gets.
 * authz-matrix.spec.ts finds every page, form action and endpoint on disk (authz-routes.ts) and
 * sends each one as each principal below to the built app; a route on disk without an entry here
 * fails that test, naming it. Adding a route is one line:
 *
 *     '/healthz': { GET: EVERYONE },
 *     '/centre/[centreId]/certificates': { page: CENTRE_A, actions: { issue: CENTRE_A } },
 *     '/api/attempts/[attemptId]/events': { GET: OWN_ATTEMPT },
 *
 * An entry holds `page` (the page: a full render, and its data request with only the page's own
 * load run, as the browser asks after an invalidation, so a layout's guard cannot be what stops it),
 * `actions` (each named form action, `default` for an unnamed one) and endpoint methods (`GET`,
 * `POST`, …). Each is an Access (who gets what), or { access, form | json, query, endsSession }
 * when the request needs a body or a query to reach the route's own work.
 *
 * Outcomes, as the spec classifies answers:
 *   'ok'     passed authorisation: 2xx, a redirect (not to a sign-in page), or a refusal of the
 *            input or the state (400, 409, 410, 413, 422; an action's `fail`). Form actions are sent
 *            with an empty form unless the entry gives one, so most stop at their validation.
 *   'signin' 401, or a redirect to /signin?next=… or /candidate/signin.
 *   403      the wrong role, or a colleague of the same centre who is not on this sitting.
 *   404      another centre's record, another marker's script, another candidate's attempt.
 * Anything else (a 5xx above all) is always a failure.
 *
 * An Access lists principals under `ok`, 403, 404 or `signin`; an unlisted principal gets `rest`
 * when given, else 'signin' for the three without a staff session and 403 for staff.
 *
 * Route parameters come from the matrix's fixtures (authz-seed.ts) by parameter name (PARAMS); an
 * entry's `params` picks another fixture for one route.
 */

export const PRINCIPALS = [
	'anon',
	'candidate',
	'otherCandidate',
	'awarding_admin',
	'centre_admin',
	'invigilator',
	'marker',
	'moderator',
	'otherCentreAdmin',
	'otherCentreInvigilator',
	'unassignedInvigilator',
	'unallocatedMarker'
] as const;
export type Principal = (typeof PRINCIPALS)[number];
/** No staff session: nobody signed in, and the two candidates (signed in to the demo sitting). */
export const WITHOUT_STAFF_SESSION: readonly Principal[] = ['anon', 'candidate', 'otherCandidate'];
const STAFF = PRINCIPALS.filter((p) => !WITHOUT_STAFF_SESSION.includes(p));
/*
 * Who they are (authz-seed.ts): candidate and otherCandidate sit the demo sitting (centre A, not
 * started); the staff roles are the demo's accounts at centre A: the invigilator is booked on the
 * sittings, the marker holds the script; otherCentre* work at centre B; unassignedInvigilator is
 * an invigilator of centre A booked on no sitting; unallocatedMarker holds no script.
 */

export type Outcome = 'ok' | 'signin' | 403 | 404;

export interface Access {
	ok: readonly Principal[];
	403?: readonly Principal[];
	404?: readonly Principal[];
	signin?: readonly Principal[];
	rest?: Outcome;
}

export type Ids = Record<string, string>;

export interface Request {
	access: Access;
	form?: (ids: Ids) => Record<string, string>;
	json?: (ids: Ids) => unknown;
	query?: (ids: Ids) => string;
	/** A page rendered in the browser only (ssr = false): who gets its empty shell (its data follows `access`). */
	shell?: Access;
	/** Ends the principal's session (signing out): sent after everything else. */
	endsSession?: boolean;
}

export type Spec = Access | Request;

export interface RouteEntry {
	/** Route parameter → fixture id (authz-seed.ts), for this route instead of PARAMS'. */
	params?: Record<string, string>;
	page?: Spec;
	actions?: Record<string, Spec>;
	GET?: Spec;
	POST?: Spec;
	PUT?: Spec;
	PATCH?: Spec;
	DELETE?: Spec;
}

/** Which fixture fills each route parameter, by its name. */
export const PARAMS: Record<string, string> = {
	centreId: 'centreA',
	sittingId: 'demoSitting',
	attemptId: 'candidateAttempt',
	candidateId: 'loneCandidate',
	paperVersionId: 'paperVersion',
	code: 'paperCode',
	userId: 'spareUser',
	itemKey: 'item1',
	markerId: 'marker',
	scriptId: 'script',
	reviewId: 'review',
	token: 'passwordToken'
};

export function expected(access: Access, p: Principal): Outcome {
	if (access.ok.includes(p)) return 'ok';
	if (access[404]?.includes(p)) return 404;
	if (access[403]?.includes(p)) return 403;
	if (access.signin?.includes(p)) return 'signin';
	if (access.rest !== undefined) return access.rest;
	return WITHOUT_STAFF_SESSION.includes(p) ? 'signin' : 403;
}

export function requestOf(spec: Spec): Request {
	return 'access' in spec ? spec : { access: spec };
}

/* ---------- who may: the matrix's vocabulary ---------- */

/** A public page or action. */
export const EVERYONE: Access = { ok: PRINCIPALS };
/** Any staff member (their own account). */
export const ANY_STAFF: Access = { ok: STAFF };
/** The awarding body's administrator. */
export const AWARDING: Access = { ok: ['awarding_admin'] };
/** A centre administrator, of any centre (the page shows their own centre's records). */
export const ANY_CENTRE_ADMIN: Access = { ok: ['centre_admin', 'otherCentreAdmin'] };
/** Centre A's administrator; another centre's gets 404 (a page never confirms another centre's record exists). */
export const CENTRE_A: Access = { ok: ['centre_admin'], 404: ['otherCentreAdmin'] };
/** Everyone who runs sittings, of any centre (their own list). */
export const ANY_INVIGILATOR: Access = {
	ok: [
		'invigilator',
		'centre_admin',
		'otherCentreAdmin',
		'otherCentreInvigilator',
		'unassignedInvigilator'
	]
};
/** The sitting's own invigilator and its centre's administrator; a colleague not booked on it 403; another centre 404. */
export const SITTING_RUNNERS: Access = {
	ok: ['invigilator', 'centre_admin'],
	403: ['unassignedInvigilator'],
	404: ['otherCentreAdmin', 'otherCentreInvigilator']
};
/** Only the centre's administrator, among those who run the sitting. */
export const SITTING_ADMIN: Access = {
	ok: ['centre_admin'],
	403: ['invigilator', 'unassignedInvigilator'],
	404: ['otherCentreAdmin', 'otherCentreInvigilator']
};
/** Markers and moderators (their own work). */
export const MARKING: Access = { ok: ['marker', 'moderator', 'unallocatedMarker'] };
/** Moderators (lead markers). */
export const MODERATORS: Access = { ok: ['moderator'] };
/** The marker the script is allocated to; other markers and moderators get 404. */
export const OWN_SCRIPT: Access = { ok: ['marker'], 404: ['moderator', 'unallocatedMarker'] };
/** The candidate whose attempt it is; another candidate 404; no candidate session 401, staff included. */
export const OWN_ATTEMPT: Access = { ok: ['candidate'], 404: ['otherCandidate'], rest: 'signin' };
/** Any candidate signed in to a sitting (their own exam); everyone else is sent to the candidate sign-in. */
export const CANDIDATES: Access = { ok: ['candidate', 'otherCandidate'], rest: 'signin' };

/* ---------- the matrix ---------- */

export const MATRIX: Record<string, RouteEntry> = {
	// Public: sign-in pages, the home page, a candidate's results (their own code), a password link.
	'/': { page: EVERYONE },
	'/signin': { page: EVERYONE, actions: { default: EVERYONE } },
	'/signout': { page: EVERYONE, actions: { default: { access: EVERYONE, endsSession: true } } },
	'/set-password/[token]': { page: EVERYONE, actions: { default: EVERYONE } },
	'/results': { page: EVERYONE, actions: { signin: EVERYONE, signout: EVERYONE } },
	'/candidate': { page: CANDIDATES },
	'/candidate/signin': { page: EVERYONE, actions: { default: EVERYONE } },
	// Rendered in the browser (ssr = false): the page itself is an empty shell for anyone; its data is the candidate's.
	'/candidate/exam': { page: { access: CANDIDATES, shell: EVERYONE } },
	'/account': {
		page: ANY_STAFF,
		actions: { password: ANY_STAFF, signout_all: { access: ANY_STAFF, endsSession: true } }
	},

	// The operator's routes: no session. /metrics is open to loopback callers when METRICS_TOKEN is
	// unset (the matrix's client is on loopback); operations.test.ts covers the token and the rest.
	'/healthz': { GET: EVERYONE },
	'/readyz': { GET: EVERYONE },
	'/metrics': { GET: EVERYONE },
	// The public check of a certificate's reference.
	'/verify': { page: EVERYONE, actions: { default: EVERYONE } },

	// Live updates: the candidate's own attempt; the sitting's runners (event streams, read only up to their headers).
	'/api/attempts/[attemptId]/events': { GET: OWN_ATTEMPT },
	'/invigilate/[sittingId]/events': { GET: SITTING_RUNNERS },
	// The question paper: only to a candidate on that paper once their sitting has started (the demo
	// sitting has not: 403 with the reason); no candidate session 401.
	'/api/papers/[paperVersionId]/[tag].json': {
		params: { paperVersionId: 'demoPaperVersion', tag: 'demoPaperVersion' },
		GET: { ok: [], 403: ['candidate', 'otherCandidate'], rest: 'signin' }
	},

	// The exam API: the candidate's own attempt only (the demo sitting is not started: 409 is "reached").
	'/api/attempts/[attemptId]/clock': { GET: OWN_ATTEMPT },
	'/api/attempts/[attemptId]/responses/[itemKey]': {
		PUT: { access: OWN_ATTEMPT, json: () => ({ seq: 1, text: 'Matrix answer' }) }
	},
	'/api/attempts/[attemptId]/rest-break': {
		POST: { access: OWN_ATTEMPT, json: () => ({ action: 'start' }) }
	},
	'/api/attempts/[attemptId]/submit': { POST: OWN_ATTEMPT },

	// A centre's registrations, certificates, practice papers and mocks (marked by its administrator).
	'/centre/[centreId]/registrations': { page: CENTRE_A, actions: { register: CENTRE_A } },
	'/centre/[centreId]/certificates': { page: CENTRE_A, actions: { claim: CENTRE_A } },
	'/centre/[centreId]/certificates/[certificateId]/certificate.pdf': {
		params: { certificateId: 'certificate' },
		GET: CENTRE_A
	},
	'/centre/[centreId]/practice': { page: CENTRE_A },
	'/centre/[centreId]/practice/[code]': { params: { code: 'practiceCode' }, page: CENTRE_A },
	'/centre/[centreId]/sittings/[sittingId]/mock': {
		params: { sittingId: 'mockSitting' },
		page: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/mock/[attemptId]': {
		params: { sittingId: 'mockSitting', attemptId: 'mockAttempt' },
		page: CENTRE_A,
		actions: { mark: CENTRE_A }
	},

	// The awarding body's administration.
	'/admin': { page: AWARDING },
	'/admin/audit': { page: AWARDING },
	'/admin/awarding': { page: AWARDING },
	'/admin/centres': { page: AWARDING, actions: { create: AWARDING } },
	'/admin/marking': { page: AWARDING },
	'/admin/marking/[paperVersionId]': {
		page: AWARDING,
		actions: { allocate: AWARDING, reallocate: AWARDING, withdraw_unstarted: AWARDING }
	},
	'/admin/papers': { page: AWARDING },
	'/admin/qualifications': {
		page: AWARDING,
		actions: {
			dates: { access: AWARDING, form: () => ({ qualification: '8992-11' }) },
			resits: AWARDING
		}
	},
	'/admin/papers/[code]': { page: AWARDING, actions: { boundaries: AWARDING } },
	'/admin/papers/[code]/awarding': {
		page: AWARDING,
		actions: { preview: AWARDING, boundaries: AWARDING, approve: AWARDING, release: AWARDING }
	},
	'/admin/papers/[code]/grid': { page: AWARDING },
	'/admin/papers/[code]/preview': { page: AWARDING },
	'/admin/reviews': {
		page: AWARDING,
		actions: {
			assign: { access: AWARDING, form: (ids) => ({ review_id: ids.review! }) },
			settings: AWARDING
		}
	},
	'/admin/users': { page: AWARDING, actions: { create: AWARDING } },
	'/admin/users/[userId]': {
		page: AWARDING,
		actions: {
			update: AWARDING,
			add_role: AWARDING,
			remove_role: { access: AWARDING, form: (ids) => ({ membership_id: ids.spareMembership! }) },
			reset: AWARDING,
			disable: AWARDING,
			enable: AWARDING
		}
	},

	// A centre's administration: centre A's administrator; centre B's gets 404 for centre A's records.
	'/centre': { page: ANY_CENTRE_ADMIN },
	'/centre/[centreId]': { page: CENTRE_A },
	'/centre/[centreId]/candidates': { page: CENTRE_A, actions: { add: CENTRE_A, upload: CENTRE_A } },
	'/centre/[centreId]/candidates/[candidateId]': {
		page: CENTRE_A,
		actions: {
			issueCode: CENTRE_A,
			requestReview: CENTRE_A,
			// The review is the released result's, taken by a moderator: withdrawing it is refused (409).
			withdrawReview: { access: CENTRE_A, form: (ids) => ({ review_id: ids.review! }) },
			arrangements: CENTRE_A,
			correct: CENTRE_A,
			withdraw: CENTRE_A,
			reinstate: CENTRE_A,
			delete: CENTRE_A
		}
	},
	'/centre/[centreId]/results': { page: CENTRE_A },
	'/centre/[centreId]/results.csv': { GET: CENTRE_A },
	'/centre/[centreId]/sittings': { page: CENTRE_A, actions: { book: CENTRE_A } },
	'/centre/[centreId]/sittings/[sittingId]': {
		params: { sittingId: 'consoleSitting' },
		page: CENTRE_A,
		actions: {
			reschedule: CENTRE_A,
			cancel: CENTRE_A,
			add_candidates: CENTRE_A,
			remove_candidate: { access: CENTRE_A, form: (ids) => ({ attempt_id: ids.consoleAttempt2! }) },
			invigilators: CENTRE_A
		}
	},
	'/centre/[centreId]/sittings/[sittingId]/register.pdf': { GET: CENTRE_A },
	'/centre/[centreId]/sittings/[sittingId]/report.pdf': {
		params: { sittingId: 'releasedSitting' },
		GET: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/results': {
		params: { sittingId: 'releasedSitting' },
		page: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/results.csv': {
		params: { sittingId: 'releasedSitting' },
		GET: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/result-slips.pdf': {
		params: { sittingId: 'releasedSitting' },
		GET: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/slips.pdf': {
		params: { sittingId: 'releasedSitting' },
		GET: CENTRE_A
	},
	'/centre/[centreId]/sittings/[sittingId]/results/[attemptId]/slip.pdf': {
		params: { sittingId: 'releasedSitting', attemptId: 'releasedAttempt' },
		GET: CENTRE_A
	},

	// Running a sitting: the matrix's own sitting (its actions really run, on its own candidates).
	'/invigilate': { page: ANY_INVIGILATOR },
	'/invigilate/[sittingId]': {
		params: { sittingId: 'consoleSitting' },
		page: SITTING_RUNNERS,
		actions: Object.fromEntries(
			[
				'present',
				'absent',
				'all_present',
				'start',
				'start_one',
				'pause',
				'resume',
				'extend',
				'incident',
				'void',
				'allow_move',
				'unlock_sign_in',
				'end',
				'reinstate'
			].map((name) => [
				name,
				{
					access: name === 'reinstate' ? SITTING_ADMIN : SITTING_RUNNERS,
					form: (ids: Ids) => ({ attempt_id: ids.consoleAttempt! })
				}
			])
		)
	},
	'/invigilate/[sittingId]/report.pdf': {
		params: { sittingId: 'consoleSitting' },
		GET: SITTING_RUNNERS
	},

	// Marking: markers' own work; moderators' pages; the script allocated to marker A.
	'/mark': {
		page: MARKING,
		actions: { next: { access: MARKING, form: (ids) => ({ paper_id: ids.paperId! }) } }
	},
	'/mark/standardisation': { page: MARKING, actions: { start: MARKING } },
	'/mark/grids/[code]': { page: MARKING },
	'/mark/scripts/[scriptId]': { page: OWN_SCRIPT, actions: { save: OWN_SCRIPT } },
	// A mark over the grid's maximum on marker A's allocation: refused (400) for A, not found for others.
	'/mark/scripts/[scriptId]/marks': {
		POST: {
			access: OWN_SCRIPT,
			json: (ids) => ({ allocationId: ids.allocation, award: { kind: 'mark', mark: 9999 } })
		}
	},
	'/mark/allocate': { page: MODERATORS },
	'/mark/allocate/[paperVersionId]': {
		page: MODERATORS,
		actions: { allocate: MODERATORS, reallocate: MODERATORS, withdraw_unstarted: MODERATORS }
	},
	'/mark/reviews': { page: MODERATORS },
	'/mark/reviews/[reviewId]': { page: MODERATORS, actions: { remark: MODERATORS } },
	'/mark/(lead)/markers': { page: MODERATORS },
	'/mark/(lead)/markers/[markerId]': {
		page: { access: MODERATORS, query: (ids) => `paper=${ids.paperCode}` },
		actions: {
			reinstate: { access: MODERATORS, query: (ids) => `paper=${ids.paperCode}` },
			sendBack: { access: MODERATORS, query: (ids) => `paper=${ids.paperCode}` }
		}
	},
	'/mark/(lead)/moderation': { page: MODERATORS },
	'/mark/(lead)/moderation/[scriptId]': {
		params: { scriptId: 'referredScript' },
		page: MODERATORS,
		actions: { decide: MODERATORS }
	},
	'/mark/(lead)/seeds': { page: MODERATORS },
	'/mark/(lead)/seeds/new': {
		page: { access: MODERATORS, query: (ids) => `script=${ids.scriptNumber}` },
		actions: { default: { access: MODERATORS, query: (ids) => `script=${ids.scriptNumber}` } }
	},
	'/mark/(lead)/settings': { page: MODERATORS, actions: { default: MODERATORS } }
};
