/**
 * Shows a question's answer box below the sticky exam bar (the page keeps --exam-bar-height clear
 * above it) and puts the keyboard in the box: the browser's own jump to the fragment would put the
 * box at the top edge, under the bar, and the heading above it off screen. The address says which
 * answer it is (#answer-<key>), without a navigation.
 */
export function showAnswer(key: string): void {
	const box = document.getElementById(`answer-${key}`);
	if (!box) return;
	const part = box.closest('.part');
	const article = box.closest('article');
	// The question's heading at the top when the box fits below it on screen; a part's own
	// heading ("(b)") when it would not; the box itself as the last resort.
	const headings = [article?.querySelector('h3'), part?.querySelector('h4'), box].filter(
		(h): h is HTMLElement => !!h
	);
	for (const heading of headings) {
		heading.scrollIntoView({ block: 'start' });
		if (box.getBoundingClientRect().bottom <= window.innerHeight) break;
	}
	box.focus({ preventScroll: true });
	history.replaceState(history.state, '', `#answer-${key}`);
}
