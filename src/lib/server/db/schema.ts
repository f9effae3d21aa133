import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

import type { AttemptState, PauseKind, SubmitReason } from '../../domain/attempt.js';
import type { AllocationPurpose, MarkAuthority, ScriptKind } from '../../domain/marking.js';
import type { SittingPurpose } from '../../domain/mock.js';
import type { Grade, ResultCause, ResultStatus } from '../../domain/results.js';
import type { ReviewOutcome, ReviewState } from '../../domain/reviews.js';
import type { SecondMarkingReason } from '../../domain/second-marking.js';
import type { SittingState } from '../../domain/sitting-state.js';
import type { SeedItemJudgement, SeedPurpose, Standing } from '../../domain/standardisation.js';

/** Handwritten table types, one per migration-created table. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export interface CentreTable {
	id: Generated<string>;
	number: string;
	name: string;
	created_at: Timestamp;
}

export interface AppUserTable {
	id: Generated<string>;
	email: string;
	display_name: string;
	password_hash: string;
	disabled_at: Date | null;
	created_at: Timestamp;
}

export interface MembershipTable {
	id: Generated<string>;
	user_id: string;
	role: string;
	centre_id: string | null;
	created_at: Timestamp;
}

export interface CandidateTable {
	id: Generated<string>;
	centre_id: string;
	candidate_number: string;
	first_name: string;
	last_name: string;
	date_of_birth: string | null;
	extra_time_percent: Generated<number>;
	rest_breaks: Generated<boolean>;
	reader: Generated<boolean>;
	scribe: Generated<boolean>;
	arrangement_notes: Generated<string>;
	created_at: Timestamp;
	updated_at: Timestamp;
	/** Set when the centre withdrew the candidate: kept, but not bookable. */
	withdrawn_at: Date | null;
}

export interface PasswordTokenTable {
	id: Generated<string>;
	user_id: string;
	token_hash: Uint8Array;
	purpose: 'set' | 'reset';
	created_at: Timestamp;
	expires_at: Date;
	used_at: Date | null;
}

export interface AuthSessionTable {
	id: string;
	secret_hash: Uint8Array;
	user_id: string | null;
	attempt_id: string | null;
	/** A candidate's results session (the results sign-in after the exam day). */
	candidate_id: string | null;
	created_at: Timestamp;
	last_verified_at: Timestamp;
	expires_at: Date | null;
	/** When the exam moved to another computer and so ended this (candidate) session; null otherwise. */
	moved_at: Generated<Date | null>;
	ip: string | null;
	user_agent: string | null;
}

export interface SignInAttemptTable {
	id: Generated<number>;
	key_kind: 'account' | 'address' | 'candidate';
	key: string;
	succeeded: boolean;
	attempted_at: Timestamp;
}

/** One row per throttled key: its recent failures, counted and added to in one statement (auth/throttle.ts). */
export interface SignInThrottleTable {
	key_kind: 'account' | 'address' | 'candidate' | 'account_at_address' | 'candidate_at_address';
	key: string;
	failures: ColumnType<Date[], Date[] | undefined, Date[]>;
	allowed: Generated<boolean>;
	updated_at: Timestamp;
}

export interface AuditLogTable {
	id: Generated<number>;
	occurred_at: Timestamp;
	actor_user_id: string | null;
	actor_label: string;
	action: string;
	centre_id: string | null;
	subject_type: string | null;
	subject_id: string | null;
	details: Json<Record<string, unknown>>;
	ip: string | null;
}

export interface UnitTable {
	code: string;
	title: string;
	level: number;
	route: string;
	status: string;
	content: Json<unknown>;
	content_hash: string;
	updated_at: Timestamp;
}

export interface PaperTable {
	id: Generated<string>;
	code: string;
	unit_code: string;
	kind: 'live' | 'practice';
	current_version_id: string | null;
	created_at: Timestamp;
}

export interface PaperVersionTable {
	id: Generated<string>;
	paper_id: string;
	version: number;
	content_hash: string;
	title: string;
	content: Json<unknown>;
	total_marks: number;
	duration_minutes: number;
	reading_minutes: number;
	pass_mark: number;
	first_class_mark: number;
	boundaries_locked_at: Date | null;
	imported_at: Timestamp;
}

export interface PaperItemTable {
	paper_version_id: string;
	item_key: string;
	position: number;
	label: string;
	max_marks: number;
	area: string;
}

export type { SittingState };

export interface SittingTable {
	id: Generated<string>;
	centre_id: string;
	purpose: Generated<SittingPurpose>;
	paper_version_id: string;
	scheduled_at: Date;
	room: string;
	keycode: string;
	state: Generated<SittingState>;
	started_at: Date | null;
	ended_at: Date | null;
	cancelled_at: Date | null;
	cancel_reason: string | null;
	created_by: string | null;
	created_at: Timestamp;
}

export interface SittingInvigilatorTable {
	sitting_id: string;
	user_id: string;
}

export interface AttemptTable {
	id: Generated<string>;
	sitting_id: string;
	candidate_id: string;
	state: Generated<AttemptState>;
	present: Generated<boolean>;
	paused_from: 'reading' | 'in_progress' | null;
	pause_reason: string | null;
	pause_kind: PauseKind | null;
	quarantine_overflow: Generated<number>;
	extra_time_percent: Generated<number>;
	rest_breaks: Generated<boolean>;
	started_at: Date | null;
	reading_ends_at: Date | null;
	deadline_at: Date | null;
	paused_at: Date | null;
	extension_minutes: Generated<number>;
	submitted_at: Date | null;
	submit_reason: SubmitReason | null;
	reference: string | null;
	void_reason: string | null;
	voided_from: Exclude<AttemptState, 'absent' | 'void'> | null;
	move_allowed_at: Date | null;
	last_seen_at: Date | null;
	last_saved_at: Date | null;
	updated_at: Timestamp;
}

export interface SittingEventTable {
	id: Generated<number>;
	sitting_id: string;
	attempt_id: string | null;
	kind: string;
	reason: string | null;
	minutes: number | null;
	actor_user_id: string | null;
	actor_label: string;
	occurred_at: Timestamp;
}

export interface ResponseTable {
	attempt_id: string;
	item_key: string;
	seq: number;
	text: string;
	saved_at: Date;
}

export interface ResponseRevisionTable {
	id: Generated<number>;
	attempt_id: string;
	item_key: string;
	seq: number;
	text: string;
	saved_at: Date;
}

export interface SaveQuarantineTable {
	id: Generated<number>;
	attempt_id: string;
	item_key: string;
	seq: number;
	text: string;
	reason: string;
	received_at: Timestamp;
}

export interface ScriptTable {
	id: Generated<string>;
	script_number: string;
	paper_version_id: string;
	attempt_id: string;
	kind: Generated<ScriptKind>;
	source_script_id: string | null;
	created_at: Timestamp;
}

export interface MarkingSettingsTable {
	paper_id: string;
	sample_percent: number;
	boundary_window: number;
	second_mark_tolerance: number;
	seed_every: number;
	seed_item_tolerance: number;
	seed_script_tolerance: number;
	qualifying_seeds: number;
	stop_after_misses: number;
	updated_by: string | null;
	updated_at: Timestamp;
}

export interface AllocationTable {
	id: Generated<string>;
	script_id: string;
	item_key: string;
	marker_id: string;
	purpose: AllocationPurpose;
	allocated_by: string | null;
	allocated_at: Timestamp;
	completed_at: Date | null;
	withdrawn_at: Date | null;
	withdrawn_by: string | null;
	/** Set on a moderator's re-mark for a review of marking. */
	review_id: Generated<string | null>;
}

export interface MarkTable {
	id: Generated<number>;
	script_id: string;
	item_key: string;
	allocation_id: string | null;
	marker_id: string;
	authority: MarkAuthority;
	mark: number;
	fk: Generated<boolean>;
	comment: string | null;
	award: Json<unknown> | null;
	created_at: Timestamp;
}

/** A centre's mark on an item of a mock attempt (append-only: the latest row per item counts). */
export interface MockMarkTable {
	id: Generated<number>;
	attempt_id: string;
	item_key: string;
	mark: number;
	comment: string | null;
	marked_by: string;
	created_at: Timestamp;
}

export type SecondMarkingState =
	'not_selected' | 'awaiting_marker' | 'second_marking' | 'agreed' | 'referred' | 'resolved';

export interface SecondMarkingTable {
	script_id: string;
	paper_version_id: string;
	reason: SecondMarkingReason | null;
	state: SecondMarkingState;
	considered_at: Date;
	first_total: number;
	second_total: number | null;
	second_marked_at: Date | null;
	referred_at: Date | null;
	resolved_at: Date | null;
	resolved_by: string | null;
}

export interface SeedTable {
	id: Generated<string>;
	script_id: string;
	paper_id: string;
	purpose: SeedPurpose;
	rationale: string;
	created_by: string;
	created_at: Timestamp;
}

export interface SeedJudgementTable {
	id: Generated<number>;
	seed_script_id: string;
	marker_id: string;
	paper_id: string;
	purpose: SeedPurpose;
	within: boolean;
	given_total: number;
	agreed_total: number;
	items: Json<SeedItemJudgement[]>;
	judged_at: Date;
}

export interface MarkerStandingTable {
	id: Generated<number>;
	marker_id: string;
	paper_id: string;
	standing: Standing;
	reason: string;
	decided_by: string | null;
	created_at: Date;
}

export interface ResultTable {
	id: Generated<number>;
	attempt_id: string;
	version: number;
	status: ResultStatus;
	grade: Grade | null;
	total: number | null;
	codes: Json<string[]>;
	profile: Json<unknown>;
	pass_mark: number;
	first_class_mark: number;
	cause: ResultCause;
	computed_at: Timestamp;
	computed_by: string | null;
}

export interface SittingResultsTable {
	sitting_id: string;
	computed_at: Date;
	approved_at: Date | null;
	approved_by: string | null;
	released_at: Date | null;
	released_by: string | null;
}

export interface ResultsAccessTable {
	candidate_id: string;
	code_hash: Uint8Array;
	issued_at: Timestamp;
	issued_by: string | null;
}

export interface ReviewSettingsTable {
	id: Generated<boolean>;
	request_window_days: number;
	reply_days: number;
	updated_by: string | null;
	updated_at: Timestamp;
}

export interface ReviewTable {
	id: Generated<string>;
	attempt_id: string;
	centre_id: string;
	stage: number;
	state: ReviewState;
	reason: string;
	result_id: number;
	new_result_id: number | null;
	outcome: ReviewOutcome | null;
	requested_by: string | null;
	requested_at: Date;
	reply_due_at: Date;
	moderator_id: string | null;
	assigned_at: Date | null;
	decided_at: Date | null;
	informed_at: Date | null;
	withdrawn_at: Date | null;
}

export interface ReviewEventTable {
	id: Generated<number>;
	review_id: string;
	from_state: ReviewState | null;
	to_state: ReviewState;
	actor_user_id: string | null;
	actor_label: string;
	details: Json<Record<string, unknown>>;
	occurred_at: Timestamp;
}

/** Last dates per qualification, set by the awarding administrator; 'YYYY-MM-DD' (read through to_char). */
export interface QualificationDatesTable {
	qualification_number: string;
	last_registration_on: ColumnType<string | null, string | null, string | null>;
	last_certification_on: ColumnType<string | null, string | null, string | null>;
	updated_by: string | null;
	updated_at: Timestamp;
}

export interface ResitSettingsTable {
	id: Generated<boolean>;
	max_attempts: number;
	min_interval_days: number;
	updated_by: string | null;
	updated_at: Timestamp;
}

export interface RegistrationTable {
	id: Generated<string>;
	centre_id: string;
	candidate_id: string;
	qualification_number: string;
	unit_code: string;
	registered_at: Timestamp;
	registered_by: string | null;
}

export interface CertificateClaimTable {
	id: Generated<string>;
	centre_id: string;
	claimed_by: string | null;
	claimed_at: Date;
	certificates: number;
}

export interface CertificateTable {
	id: Generated<string>;
	reference: string;
	registration_id: string;
	claim_id: string;
	centre_id: string;
	attempt_id: string;
	result_id: number;
	grade: 'Pass' | 'First Class Pass';
	shown: Json<CertificateShown>;
	issued_at: Date;
}

/** What a certificate prints, and so all the public check may show. */
export interface CertificateShown {
	reference: string;
	candidateName: string;
	qualificationTitle: string;
	qualificationNumber: string;
	regulatoryNumber: string;
	unit: string;
	unitTitle: string;
	grade: 'Pass' | 'First Class Pass';
	/** 'YYYY-MM-DD': when the result was released (the award achieved). */
	achievedOn: string;
	/** 'YYYY-MM-DD': when the certificate was claimed. */
	issuedOn: string;
}

export interface Database {
	qualification_dates: QualificationDatesTable;
	resit_settings: ResitSettingsTable;
	registration: RegistrationTable;
	certificate_claim: CertificateClaimTable;
	certificate: CertificateTable;
	second_marking: SecondMarkingTable;
	seed: SeedTable;
	seed_judgement: SeedJudgementTable;
	marker_standing: MarkerStandingTable;
	results_access: ResultsAccessTable;
	review_settings: ReviewSettingsTable;
	review: ReviewTable;
	review_event: ReviewEventTable;
	result: ResultTable;
	sitting_results: SittingResultsTable;
	script: ScriptTable;
	marking_settings: MarkingSettingsTable;
	allocation: AllocationTable;
	mark: MarkTable;
	mock_mark: MockMarkTable;
	sitting: SittingTable;
	sitting_invigilator: SittingInvigilatorTable;
	attempt: AttemptTable;
	sitting_event: SittingEventTable;
	response: ResponseTable;
	response_revision: ResponseRevisionTable;
	save_quarantine: SaveQuarantineTable;
	unit: UnitTable;
	paper: PaperTable;
	paper_version: PaperVersionTable;
	paper_item: PaperItemTable;
	centre: CentreTable;
	app_user: AppUserTable;
	membership: MembershipTable;
	candidate: CandidateTable;
	auth_session: AuthSessionTable;
	sign_in_attempt: SignInAttemptTable;
	sign_in_throttle: SignInThrottleTable;
	audit_log: AuditLogTable;
	password_token: PasswordTokenTable;
}

export type CentreRow = Selectable<CentreTable>;
export type AppUserRow = Selectable<AppUserTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type CandidateRow = Selectable<CandidateTable>;
export type NewCandidate = Insertable<CandidateTable>;
export type CandidateUpdate = Updateable<CandidateTable>;
export type AuthSessionRow = Selectable<AuthSessionTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type PaperRow = Selectable<PaperTable>;
export type PaperVersionRow = Selectable<PaperVersionTable>;
export type SittingRow = Selectable<SittingTable>;
export type AttemptRow = Selectable<AttemptTable>;
export type ScriptRow = Selectable<ScriptTable>;
export type AllocationRow = Selectable<AllocationTable>;
export type MarkRow = Selectable<MarkTable>;
