// ESLint: TypeScript and Svelte rules, plus the project's layering (DESIGN.md section 3) as import
// rules, so a rule about where code may live is checked, not only written down.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

import layers from './architecture-layers.cjs';
import svelteConfig from './svelte.config.js';

/** The domain is pure: no framework, no database, no I/O. */
const DOMAIN_MAY_NOT_IMPORT = [
	{
		group: ['$app/*', '$env/*', '@sveltejs/*'],
		message: 'src/lib/domain is pure: no SvelteKit here.'
	},
	{
		group: ['$lib/server/*', '**/server/*', '**/server/**'],
		message: 'src/lib/domain is pure: it may not import server code.'
	},
	{
		group: [
			'kysely',
			'pg',
			'@electric-sql/*',
			'node:*',
			'fs',
			'path',
			'crypto',
			'handlebars',
			'pdf-lib'
		],
		message: 'src/lib/domain is pure: no I/O, no database.'
	}
];

/** Only the HTTP adapters (routes, the hook, src/lib/server/http) speak SvelteKit. */
const ONLY_HTTP_IMPORTS_KIT = [
	{
		group: ['@sveltejs/kit', '@sveltejs/kit/*'],
		message:
			'Only routes, hooks and src/lib/server/http import @sveltejs/kit: services throw the project’s errors (src/lib/server/errors.ts).'
	}
];

/**
 * The layers of src/lib/server (architecture-layers.cjs, bottom to top): a folder imports only the
 * folders below it. The same list is measured on the whole import graph by dependency-cruiser
 * (`npm run lint`), which also refuses cycles; this rule names the mistake in the editor.
 */
const LAYER_RULES = layers.SERVER_LAYERS.map((name, i) => {
	const above = layers.SERVER_LAYERS.slice(i + 1);
	return {
		files: [`src/lib/server/${name}/**`],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						...ONLY_HTTP_IMPORTS_KIT_FOR(name),
						...(above.length
							? [
									{
										group: above.flatMap((a) => [`../${a}/*`, `$lib/server/${a}/*`]),
										message: `src/lib/server/${name} may import only the layers below it (architecture-layers.cjs, docs/architecture.md).`
									}
								]
							: [])
					]
				}
			]
		}
	};
});

/** The kernel (src/lib/server/*.ts) is below every layer. */
const KERNEL_RULE = {
	files: ['src/lib/server/*.ts'],
	rules: {
		'no-restricted-imports': [
			'error',
			{
				patterns: [
					...ONLY_HTTP_IMPORTS_KIT,
					{
						group: layers.SERVER_LAYERS.map((a) => `./${a}/*`),
						message: 'The kernel (src/lib/server/*.ts) imports no layer.'
					}
				]
			}
		]
	}
};

function ONLY_HTTP_IMPORTS_KIT_FOR(name) {
	return name === 'http' ? [] : ONLY_HTTP_IMPORTS_KIT;
}

const LOCALE_FORMATTERS = ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString'].map(
	(property) => ({
		property,
		message: 'Format dates and times with src/lib/domain/centre-time.ts.'
	})
);

const NO_DATE_FORMAT = {
	selector: "NewExpression[callee.object.name='Intl'][callee.property.name='DateTimeFormat']",
	message: 'Format dates and times with src/lib/domain/centre-time.ts.'
};

export default ts.config(
	{ ignores: ['build/', '.svelte-kit/', 'node_modules/', 'data/', 'coverage/', 'static/'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		rules: {
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }
			],
			// Svelte 5 runes read props by destructuring; `each` keys are written where identity matters.
			'svelte/require-each-key': 'off',
			// Links are plain hrefs on purpose (the app works without JavaScript); no base path is used.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		// One UK-time formatter: dates and times reach people through domain/centre-time.ts, in the
		// centres' zone, never through the server's or the browser's locale and zone.
		files: ['src/**'],
		ignores: ['src/lib/domain/centre-time.ts'],
		rules: {
			'no-restricted-properties': ['error', ...LOCALE_FORMATTERS],
			'no-restricted-syntax': ['error', NO_DATE_FORMAT]
		}
	},
	{
		// One count(): Kysely's eb.fn.countAll<number>() / eb.fn.count<number>(column), which both
		// drivers read as a number (db/index.ts parses bigint), not count(*) written out in SQL.
		files: ['src/lib/server/**'],
		ignores: ['src/lib/server/auth/throttle.ts', 'src/lib/server/db/roles.ts'],
		rules: {
			'no-restricted-syntax': [
				'error',
				NO_DATE_FORMAT,
				{
					selector:
						"TaggedTemplateExpression[tag.name='sql'] TemplateElement[value.raw=/count\\(/i]",
					message: 'Count with eb.fn.countAll<number>() or eb.fn.count<number>(column).'
				}
			]
		}
	},
	{
		files: ['src/lib/domain/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: DOMAIN_MAY_NOT_IMPORT }] }
	},
	{
		files: ['src/lib/**'],
		ignores: ['src/lib/server/http/**', 'src/lib/domain/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: ONLY_HTTP_IMPORTS_KIT }] }
	},
	...LAYER_RULES,
	KERNEL_RULE
);
