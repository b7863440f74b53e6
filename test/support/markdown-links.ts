// Relative links and #anchors in Markdown, resolved the way GitHub renders them: a link names a
// file or folder of the repository, and an anchor the slug GitHub gives a heading of that file.
// Pure (text in, findings out), so the slug rules are tested apart from the repository's files.

/** A link as written: the file it is in, its line, and its target. */
export interface MarkdownLink {
    line: number;
    target: string;
}

/**
 * The text of a Markdown document with fenced code blocks and inline code spans blanked (same
 * line count), so that a `[x](y)` or `# comment` shown as code is neither a link nor a heading.
 */
export function withoutCode(markdown: string): string {
    let fence: string | undefined;
    return markdown
        .split("\n")
        .map((line) => {
            const opener = /^\s*(```+|~~~+)/.exec(line)?.[1];
            if (fence !== undefined) {
                if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length) fence = undefined;
                return "";
            }
            if (opener !== undefined) {
                fence = opener;
                return "";
            }
            return line.replace(/(`+)[\s\S]*?\1/g, "");
        })
        .join("\n");
}

/** Inline links and images (`[text](target)`, `![alt](target)`) and reference definitions. */
export function markdownLinks(markdown: string): MarkdownLink[] {
    const links: MarkdownLink[] = [];
    withoutCode(markdown)
        .split("\n")
        .forEach((line, i) => {
            for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: i + 1, target: m[1] });
            const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
            if (def) links.push({ line: i + 1, target: def[1] });
        });
    return links;
}

/**
 * GitHub's heading slug (github-slugger, which github.com's renderer follows): the heading's text
 * as rendered (code spans keep their content, link and emphasis markup goes), lowercased, every
 * character that is not a letter, mark, digit, connector (`_`), space or hyphen removed, spaces
 * turned into hyphens.
 */
export function githubSlug(headingText: string): string {
    const rendered = headingText
        .replace(/`([^`]*)`/g, "$1")
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/(\*\*|__|\*)/g, "");
    return rendered
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/**
 * Every anchor a document offers: its ATX headings' slugs, a repeated slug numbered as GitHub
 * numbers it (`x`, `x-1`, `x-2`), and explicit `<a id>`/`<a name>` anchors.
 */
export function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    const fencesBlanked = withoutFences(markdown);
    for (const m of fencesBlanked.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
        const base = githubSlug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of fencesBlanked.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    return anchors;
}

/** Fenced code blocks blanked, inline code kept (a heading's code span is part of its slug). */
function withoutFences(markdown: string): string {
    const kept = withoutCode(markdown).split("\n");
    return markdown
        .split("\n")
        .map((line, i) => (kept[i] === "" ? "" : line))
        .join("\n");
}

/** A link that leaves the repository (a URL with a scheme, or protocol-relative). */
export const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
