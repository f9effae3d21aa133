import Handlebars from 'handlebars';

/**
 * The wording of a printable document: a Handlebars sentence template whose output is the text of
 * one node of the document tree (domain/document.ts), never parsed for structure, so what a value
 * holds can only ever be words in that node. `noEscape`: the text is not HTML ("O'Brien & Co" prints
 * as typed); `strict`: a misspelt field fails loudly instead of printing nothing.
 */
export function wording<T extends object>(template: string): (data: T) => string {
	return Handlebars.compile<T>(template, { noEscape: true, strict: true });
}
