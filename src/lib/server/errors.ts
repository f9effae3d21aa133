/** The project's own errors. Services throw these; routes map them to HTTP statuses. */
export class AppError extends Error {
	constructor(
		message: string,
		readonly status: number
	) {
		super(message);
		this.name = new.target.name;
	}
}
export class NotFoundError extends AppError {
	constructor(message = 'Not found') {
		super(message, 404);
	}
}
export class UnauthorizedError extends AppError {
	constructor(
		message = 'Not signed in',
		/** What an API client needs to know of why (the exam API's `signedOut`). */
		readonly details: Record<string, unknown> = {}
	) {
		super(message, 401);
	}
}
export class ForbiddenError extends AppError {
	constructor(message = 'Forbidden') {
		super(message, 403);
	}
}
export class ConflictError extends AppError {
	constructor(
		message: string,
		readonly details: Record<string, unknown> = {}
	) {
		super(message, 409);
	}
}
export class ValidationError extends AppError {
	constructor(
		message: string,
		readonly issues: { field?: string; row?: number; message: string }[] = []
	) {
		super(message, 400);
	}
}
export class TooManyRequestsError extends AppError {
	constructor(
		message: string,
		readonly retryAfterSeconds: number
	) {
		super(message, 429);
	}
}
/** The exam has ended: what was sent is kept in quarantine, not in the script. */
export class GoneError extends AppError {
	constructor(message: string) {
		super(message, 410);
	}
}
export class PayloadTooLargeError extends AppError {
	constructor(message: string) {
		super(message, 413);
	}
}
