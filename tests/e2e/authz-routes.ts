import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/*
 * What src/routes serves, read from the file tree and the route files' own exports (the TypeScript
 * parser, not a pattern over the text): every page, each named form action of a +page.server.ts
 * (following `actions = sharedActions` to the module that defines them), and each HTTP method a
 * +server.ts exports. The authorisation matrix checks every one of them.
 */

export type Operation =
	| { kind: 'page'; routeId: string; layoutDepth: number }
	| { kind: 'action'; routeId: string; name: string }
	| { kind: 'endpoint'; routeId: string; method: string };

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'fallback'];

function parse(file: string): ts.SourceFile {
	return ts.createSourceFile(
		file,
		readFileSync(file, 'utf8'),
		ts.ScriptTarget.Latest,
		true,
		ts.ScriptKind.TS
	);
}

const isExported = (node: ts.Node) =>
	ts.canHaveModifiers(node) &&
	(ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names a module exports (export const/let/function/class, and `export { a as b }`). */
function exportedNames(sf: ts.SourceFile): string[] {
	const names: string[] = [];
	for (const st of sf.statements) {
		if (ts.isVariableStatement(st) && isExported(st))
			for (const d of st.declarationList.declarations)
				if (ts.isIdentifier(d.name)) names.push(d.name.text);
		if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && isExported(st) && st.name)
			names.push(st.name.text);
		if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause))
			for (const e of st.exportClause.elements) names.push(e.name.text);
	}
	return names;
}

/** The initializer of `const <name> = …` at the top of a module (exported or not). */
function topLevelConst(sf: ts.SourceFile, name: string): ts.Expression | undefined {
	for (const st of sf.statements) {
		if (!ts.isVariableStatement(st)) continue;
		for (const d of st.declarationList.declarations)
			if (ts.isIdentifier(d.name) && d.name.text === name) return d.initializer;
	}
	return undefined;
}

/** `$lib/x` and relative specifiers to a file on disk (TypeScript sources, imported with or without `.js`). */
function resolveImport(fromFile: string, spec: string): string {
	const base = spec.startsWith('$lib/')
		? resolve('src/lib', spec.slice(5))
		: resolve(dirname(fromFile), spec);
	for (const candidate of [
		base,
		base.replace(/\.js$/, '.ts'),
		`${base}.ts`,
		join(base, 'index.ts')
	])
		if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
	throw new Error(`Cannot resolve ${spec} from ${fromFile}`);
}

/** The keys of an actions object, following an identifier to the module it is imported from. */
function actionNames(file: string, sf: ts.SourceFile, expr: ts.Expression | undefined): string[] {
	while (
		expr &&
		(ts.isSatisfiesExpression(expr) ||
			ts.isAsExpression(expr) ||
			ts.isParenthesizedExpression(expr))
	)
		expr = expr.expression;
	if (!expr) throw new Error(`${file}: actions has no value`);
	if (ts.isObjectLiteralExpression(expr)) {
		return expr.properties.map((p) => {
			if (ts.isSpreadAssignment(p))
				throw new Error(`${file}: a spread in actions: list the actions by name`);
			if (!p.name || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))
				throw new Error(`${file}: an action with a computed name`);
			return p.name.text;
		});
	}
	if (ts.isIdentifier(expr)) {
		const local = topLevelConst(sf, expr.text);
		if (local) return actionNames(file, sf, local);
		for (const st of sf.statements) {
			if (
				!ts.isImportDeclaration(st) ||
				!st.importClause?.namedBindings ||
				!ts.isNamedImports(st.importClause.namedBindings)
			)
				continue;
			const el = st.importClause.namedBindings.elements.find((e) => e.name.text === expr.text);
			if (!el) continue;
			const target = resolveImport(file, (st.moduleSpecifier as ts.StringLiteral).text);
			const tsf = parse(target);
			return actionNames(target, tsf, topLevelConst(tsf, (el.propertyName ?? el.name).text));
		}
	}
	throw new Error(`${file}: cannot read the action names from \`${expr.getText()}\``);
}

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const path = join(dir, entry);
		return statSync(path).isDirectory() ? [path, ...walk(path)] : [];
	});
}

/** Every page, form action and endpoint under `root`, in a stable order. */
export function discoverOperations(root = 'src/routes'): Operation[] {
	const ops: Operation[] = [];
	for (const dir of [root, ...walk(root)].sort()) {
		const files = new Set(readdirSync(dir));
		const rel = relative(root, dir).split('\\').join('/');
		const routeId = rel ? `/${rel}` : '/';
		if (files.has('+page.svelte') || files.has('+page.server.ts') || files.has('+page.ts')) {
			// The layouts above the page (the root always has one): a data request names which nodes to run.
			let layoutDepth = 0;
			for (let d = dir; ; d = dirname(d)) {
				if (readdirSync(d).some((f) => /^\+layout(\.server)?\.(ts|svelte)$/.test(f)) || d === root)
					layoutDepth++;
				if (d === root) break;
			}
			ops.push({ kind: 'page', routeId, layoutDepth });
		}
		if (files.has('+page.server.ts')) {
			const file = join(dir, '+page.server.ts');
			const sf = parse(file);
			if (exportedNames(sf).includes('actions'))
				for (const name of actionNames(file, sf, topLevelConst(sf, 'actions')))
					ops.push({ kind: 'action', routeId, name });
		}
		if (files.has('+server.ts')) {
			const sf = parse(join(dir, '+server.ts'));
			for (const method of exportedNames(sf).filter((n) => METHODS.includes(n)))
				ops.push({ kind: 'endpoint', routeId, method });
		}
	}
	return ops;
}

/** The operation's key in the matrix: `page`, `?/<action>` or the HTTP method. */
export function operationKey(op: Operation): string {
	return op.kind === 'page' ? 'page' : op.kind === 'action' ? `?/${op.name}` : op.method;
}

/** The URL path of a route id with its parameters filled in; (groups) take no part of the path. */
export function pathFor(routeId: string, params: Record<string, string>): string {
	const path = routeId
		.split('/')
		.filter((seg) => seg && !/^\(.*\)$/.test(seg))
		.map((seg) =>
			seg.replace(/\[([^\]]+)\]/g, (_, name: string) => {
				const value = params[name];
				if (value === undefined) throw new Error(`No value for [${name}] in ${routeId}`);
				return encodeURIComponent(value);
			})
		)
		.join('/');
	return `/${path}`;
}
