// Every relative link in the README and docs/ leads somewhere: the file or folder exists, and an
// #anchor names a heading of the target as GitHub slugs it. The README is a front door to docs/,
// so a moved section must take its links along.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { anchorsOf, githubSlug, isExternal, markdownLinks } from "../support/markdown-links";

const DOCUMENTS = [
    "README.md",
    ...fs
        .readdirSync(path.join(packageRoot, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/** Where a link goes wrong, or undefined when it resolves. */
function brokenLink(from: string, target: string): string | undefined {
    const [file, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = file === "" ? path.join(packageRoot, from) : path.resolve(path.dirname(path.join(packageRoot, from)), decodeURI(file));
    if (!resolved.startsWith(packageRoot + path.sep)) return "leaves the repository";
    if (!fs.existsSync(resolved)) return `no file ${path.relative(packageRoot, resolved)}`;
    if (anchor === undefined || anchor === "") return undefined;
    if (!resolved.endsWith(".md")) return "an anchor into a file that is not Markdown";
    const anchors = anchorsOf(fs.readFileSync(resolved, "utf8"));
    return anchors.has(decodeURIComponent(anchor))
        ? undefined
        : `no heading with the anchor #${anchor} in ${path.relative(packageRoot, resolved)}`;
}

describe("documentation links", () => {
    it("slugs headings as GitHub does (expectations from github-slugger 2.0.0, which github.com follows)", () => {
        const cases: [string, string][] = [
            ["Connectivity: what the machine running `pulumi up` needs", "connectivity-what-the-machine-running-pulumi-up-needs"],
            ["`cluster-node-timeout` is always restored", "cluster-node-timeout-is-always-restored"],
            [
                "Rolling changes: upgrades, resizes, restart-requiring settings",
                "rolling-changes-upgrades-resizes-restart-requiring-settings",
            ],
            ["From Python, Go, C#, Java or YAML", "from-python-go-c-java-or-yaml"],
            ["The namespaced CA (`tls.namespacedCa: true`)", "the-namespaced-ca-tlsnamespacedca-true"],
            ["Sentinel users and app's channels (issue 16, finding 2)", "sentinel-users-and-apps-channels-issue-16-finding-2"],
            ["`REDIS_LOCAL_STATE_DIR` and 127.0.0.x", "redis_local_state_dir-and-12700x"],
            ["args → spec → objects — providers", "args--spec--objects--providers"],
            ["Pulumi Inputs & instance names", "pulumi-inputs--instance-names"],
            ["**Größe**/Ünïcode ǅ", "größeünïcode-ǆ"],
            ["[Restore](docs/backups.md) time you can promise (and backup)", "restore-time-you-can-promise-and-backup"],
        ];
        for (const [heading, slug] of cases) assert.strictEqual(githubSlug(heading), slug, heading);
    });

    it("numbers repeated headings and ignores headings and links inside code", () => {
        const doc = [
            "# Title",
            "## Measured",
            "```bash",
            "# not a heading [x](nowhere.md)",
            "```",
            "### Measured",
            "## Measured ##",
            "`[y](gone.md)` [z](real.md#measured-2)",
        ].join("\n");
        assert.deepStrictEqual([...anchorsOf(doc)], ["title", "measured", "measured-1", "measured-2"]);
        assert.deepStrictEqual(markdownLinks(doc), [{ line: 8, target: "real.md#measured-2" }]);
    });

    it("finds a missing file and a missing anchor (the check itself can fail)", () => {
        assert.match(brokenLink("README.md", "docs/no-such-page.md")!, /no file docs\/no-such-page\.md/);
        assert.match(brokenLink("README.md", "docs/formation.md#no-such-heading")!, /no heading with the anchor #no-such-heading/);
        assert.strictEqual(brokenLink("docs/tls.md", "../README.md#quickstart-a-laptop-kubernetes-kind-or-minikube"), undefined);
    });

    it("resolves every relative link and anchor in README.md and docs/*.md", () => {
        assert.ok(DOCUMENTS.length > 20 && DOCUMENTS.includes("docs/configuration.md"), `documents: ${DOCUMENTS.join(", ")}`);
        const problems: string[] = [];
        let checked = 0;
        for (const doc of DOCUMENTS) {
            for (const link of markdownLinks(fs.readFileSync(path.join(packageRoot, doc), "utf8"))) {
                if (isExternal(link.target)) continue;
                checked++;
                const problem = brokenLink(doc, link.target);
                if (problem) problems.push(`${doc}:${link.line}: (${link.target}) ${problem}`);
            }
        }
        assert.deepStrictEqual(problems, []);
        assert.ok(checked > 100, `only ${checked} relative links found`);
    });
});
