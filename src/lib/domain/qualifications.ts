import type { Level } from './codes.js';

/**
 * The qualifications and units as the handbook names them (City & Guilds 8992 qualification
 * handbook, "Qualification at a glance" and "Structure"): what a result slip prints. The titles,
 * numbers, regulatory references and credit values are copied from the handbook, not made up:
 * the hairdressing routes (8992-21, 8992-22) share their level's regulatory reference, as the
 * handbook lists them, and their units (021, 022) are the alternative to 111 and 112 with the same
 * title and credit.
 */
export interface Qualification {
	/** "City & Guilds Level 2 Award in Customer Service". */
	readonly title: string;
	/** "8992-12". */
	readonly number: string;
	/** The regulator's reference, "500/3681/6". */
	readonly regulatoryNumber: string;
}

export interface UnitOfQualification {
	/** "8992-112". */
	readonly unit: string;
	/** "Level 2 Principles of Customer Service". */
	readonly title: string;
	readonly level: Level;
	readonly credit: number;
	readonly qualification: Qualification;
}

const L1: Qualification = {
	title: 'City & Guilds Level 1 Award in Customer Service',
	number: '8992-11',
	regulatoryNumber: '500/3682/8'
};
const L2: Qualification = {
	title: 'City & Guilds Level 2 Award in Customer Service',
	number: '8992-12',
	regulatoryNumber: '500/3681/6'
};
const L3: Qualification = {
	title: 'City & Guilds Level 3 Award in Customer Service',
	number: '8992-13',
	regulatoryNumber: '500/3680/4'
};
const L1H: Qualification = {
	title: 'City & Guilds Level 1 Award in Customer Service (Hairdressing route)',
	number: '8992-21',
	regulatoryNumber: '500/3682/8'
};
const L2H: Qualification = {
	title: 'City & Guilds Level 2 Award in Customer Service (Hairdressing route)',
	number: '8992-22',
	regulatoryNumber: '500/3681/6'
};

const UNITS: readonly UnitOfQualification[] = [
	{
		unit: '8992-111',
		title: 'Level 1 Principles of Customer Service',
		level: 1,
		credit: 6,
		qualification: L1
	},
	{
		unit: '8992-021',
		title: 'Level 1 Principles of Customer Service',
		level: 1,
		credit: 6,
		qualification: L1H
	},
	{
		unit: '8992-112',
		title: 'Level 2 Principles of Customer Service',
		level: 2,
		credit: 8,
		qualification: L2
	},
	{
		unit: '8992-022',
		title: 'Level 2 Principles of Customer Service',
		level: 2,
		credit: 8,
		qualification: L2H
	},
	{
		unit: '8992-113',
		title: 'Level 3 Principles of Customer Service',
		level: 3,
		credit: 10,
		qualification: L3
	}
];

/** The handbook's unit and its qualification, or undefined for a unit the handbook does not have (a test unit). */
export function unitOfQualification(unitCode: string): UnitOfQualification | undefined {
	return UNITS.find((u) => u.unit === unitCode);
}

/**
 * A qualification a centre registers candidates for, with its unit routes: the handbook's
 * "Structure" (an award is achieved through its one mandatory unit; the hairdressing routes are
 * qualifications of their own, 8992-21 and 8992-22, each with its unit).
 */
export interface QualificationRoute {
	readonly qualification: Qualification;
	readonly units: readonly string[];
	readonly level: Level;
}

export const QUALIFICATIONS: readonly QualificationRoute[] = [L1, L2, L3, L1H, L2H].map((q) => {
	const units = UNITS.filter((u) => u.qualification === q);
	return { qualification: q, units: units.map((u) => u.unit), level: units[0]!.level };
});

export function qualificationByNumber(number: string): QualificationRoute | undefined {
	return QUALIFICATIONS.find((q) => q.qualification.number === number);
}

/** The qualification a unit leads to (the handbook's units each lead to one). */
export function qualificationOfUnit(unitCode: string): QualificationRoute | undefined {
	return QUALIFICATIONS.find((q) => q.units.includes(unitCode));
}
