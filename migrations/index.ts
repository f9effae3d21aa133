import type { Migration } from 'kysely';
import * as m0001 from './2026_11_24_0001_foundation.js';
import * as m0002 from './2026_11_24_0002_question_bank.js';
import * as m0003 from './2026_11_24_0003_live_exam.js';
import * as m0004 from './2026_11_24_0004_attempt_reading_index.js';
import * as m0005 from './2026_11_28_0001_pause_kind_quarantine_bound.js';
import * as throttlePairs from './2026_11_28_0002_throttle_pairs.js';
import * as appRolePrivileges from './2026_11_28_0003_app_role_privileges.js';
import * as attemptVoidedFrom from './2026_11_28_0020_attempt_voided_from.js';
import * as sittingCancelled from './2026_11_28_0021_sitting_cancelled.js';
import * as passwordTokens from './2026_11_28_0030_password_tokens.js';
import * as candidateWithdrawn from './2026_11_28_0031_candidate_withdrawn.js';
import * as marking from './2026_11_29_0001_marking.js';
import * as qualityControl from './2026_11_29_0002_quality_control.js';
import * as results from './2026_11_29_0004_results.js';
import * as sessionMoved from './2026_11_29_0010_session_moved.js';
import * as allocationOpenWork from './2026_11_29_0011_allocation_open_work_index.js';
import * as reviews from './2026_11_29_0007_reviews_results_access.js';
import * as liveNotify from './2026_11_30_0100_live_notify.js';
import * as registrationsCertificates from './2026_11_30_0150_registrations_certificates.js';
import * as appliedMigrationView from './2026_11_30_0120_applied_migration_view.js';
import * as mockSittings from './2026_11_30_0170_mock_sittings.js';
import * as lateEntry from './2026_12_07_0100_late_entry.js';

/**
 * Every migration, by name, in the order they run. Listed statically (not read from the folder) so
 * the CLI (tsx), the test runner (vite) and the bundled server all see the same set.
 */
export const migrations: Record<string, Migration> = {
	'2026_11_24_0001_foundation': m0001,
	'2026_11_24_0002_question_bank': m0002,
	'2026_11_24_0003_live_exam': m0003,
	'2026_11_24_0004_attempt_reading_index': m0004,
	'2026_11_28_0001_pause_kind_quarantine_bound': m0005,
	'2026_11_28_0002_throttle_pairs': throttlePairs,
	'2026_11_28_0003_app_role_privileges': appRolePrivileges,
	'2026_11_28_0020_attempt_voided_from': attemptVoidedFrom,
	'2026_11_28_0021_sitting_cancelled': sittingCancelled,
	'2026_11_28_0030_password_tokens': passwordTokens,
	'2026_11_28_0031_candidate_withdrawn': candidateWithdrawn,
	'2026_11_29_0001_marking': marking,
	'2026_11_29_0002_quality_control': qualityControl,
	'2026_11_29_0004_results': results,
	'2026_11_29_0007_reviews_results_access': reviews,
	'2026_11_29_0010_session_moved': sessionMoved,
	'2026_11_29_0011_allocation_open_work_index': allocationOpenWork,
	'2026_11_30_0100_live_notify': liveNotify,
	'2026_11_30_0120_applied_migration_view': appliedMigrationView,
	'2026_11_30_0150_registrations_certificates': registrationsCertificates,
	'2026_11_30_0170_mock_sittings': mockSittings,
	'2026_12_07_0100_late_entry': lateEntry
};
