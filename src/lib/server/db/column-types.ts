import type { ColumnType } from 'kysely';

/**
 * The column types the database cannot tell: what a JSON column holds, and the domain's names for
 * the values a text column may take. The generator (`npm run db:types`) writes them into
 * schema.generated.ts by the overrides in src/cli/schema-types.ts.
 */

/** A jsonb column holding T: read as T, written as T or its JSON text. */
export type JsonColumn<T> = ColumnType<T, string | T, string | T>;

/** A jsonb column with a default. */
export type JsonColumnWithDefault<T> = ColumnType<T, string | T | undefined, string | T>;

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
