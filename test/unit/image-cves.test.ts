// The images the project ships and the stacks it commits are at or above every known Redis fix,
// and a user who pins a vulnerable release is told which CVEs, without the deployment failing.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";
import {
    checkRedisImage,
    checkServerImage,
    KNOWN_CVES,
    KNOWN_VALKEY_CVES,
    redisImageVersion,
    serverImageVersion,
} from "../../components/settings/cves";
import { ConfigError } from "../../components/settings/errors";
import { isPinnedImage } from "../../components/settings/formats";
import { DEFAULT_IMAGES } from "../../components/settings/images";
import { resolveSpec } from "../../components/settings/spec";

/** Every value under a key ending in "image" (any case), with where it was found. */
function imagesIn(doc: unknown, where: string, out: { where: string; image: string }[] = []) {
    if (doc && typeof doc === "object") {
        for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
            const here = `${where} ${k}`;
            if (/image$/i.test(k) && typeof v === "string") out.push({ where: here, image: v });
            else if (/image$/i.test(k) && v && typeof v === "object" && typeof (v as any).default === "string") {
                out.push({ where: `${here}.default`, image: (v as any).default });
            } else imagesIn(v, here, out);
        }
    }
    return out;
}

const isServerImage = (image: string) =>
    ["redis", "valkey"].includes(
        image
            .replace(/[:@].*$/, "")
            .split("/")
            .pop() ?? "",
    );

describe("images and known Redis CVEs", () => {
    it("the table holds every CVE of the security review with its first fixed 7.2 release", () => {
        const fixes = Object.fromEntries(KNOWN_CVES.map((c) => [c.id, c.fixedIn["7.2"]]));
        assert.deepStrictEqual(fixes, {
            "CVE-2024-31449": "7.2.6",
            "CVE-2024-46981": "7.2.7",
            "CVE-2025-21605": "7.2.8",
            "CVE-2025-32023": "7.2.10",
            "CVE-2025-49844": "7.2.11",
            "CVE-2025-46817": "7.2.11",
            "CVE-2025-46818": "7.2.11",
            "CVE-2025-46819": "7.2.11",
        });
    });

    it("the default Redis image is at or above every fix, and pinned by digest", () => {
        assert.deepStrictEqual(checkRedisImage(DEFAULT_IMAGES.redis).kind, "ok", DEFAULT_IMAGES.redis);
        assert.strictEqual(resolveSpec({ engine: "redis" }).settings.image, DEFAULT_IMAGES.redis);
        assert.match(DEFAULT_IMAGES.redis, /^redis:7\.2\.\d+-alpine@sha256:[a-f0-9]{64}$/);
        assert.deepStrictEqual(resolveSpec({ engine: "redis" }).warnings, []);
        for (const image of Object.values(DEFAULT_IMAGES)) assert.ok(isPinnedImage(image), image);
    });

    it("every image in a committed stack or project file is pinned, and every Redis image is at or above every fix", () => {
        // Tests write their own stack files (Pulumi.test-*.yaml, ignored by git) while they run.
        const files = fs.readdirSync(packageRoot).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f) && !f.startsWith("Pulumi.test-"));
        assert.ok(files.includes("Pulumi.prod.yaml") && files.includes("Pulumi.yaml"), files.join(", "));
        const found = files.flatMap((f) => imagesIn(YAML.parse(fs.readFileSync(path.join(packageRoot, f), "utf8")), f));
        assert.ok(
            found.some((i) => i.where.startsWith("Pulumi.prod.yaml")),
            "prod pins its Redis image",
        );
        for (const { where, image } of found) {
            assert.ok(isPinnedImage(image), `${where}: ${image} is not pinned`);
            if (isServerImage(image)) {
                const check = checkServerImage(image);
                assert.strictEqual(check.kind, "ok", `${where}: ${image}: ${JSON.stringify(check)}`);
            }
        }
    });

    it("reads the version from the tag, with or without a variant, registry or digest", () => {
        const digest = "@sha256:" + "a".repeat(64);
        assert.deepStrictEqual(redisImageVersion("redis:7.2.5-alpine"), [7, 2, 5]);
        assert.deepStrictEqual(redisImageVersion(`registry.example.com:5000/team/redis:7.2.16${digest}`), [7, 2, 16]);
        assert.strictEqual(redisImageVersion(`redis${digest}`), undefined);
        assert.strictEqual(redisImageVersion("redis:7.2-alpine"), undefined);
        assert.strictEqual(redisImageVersion("bitnami/valkey:8.0.1"), undefined);
        assert.strictEqual(redisImageVersion("registry.example.com:5000/redis"), undefined);
    });

    it("a pinned vulnerable release is valid, and warns naming each CVE it lacks", () => {
        const old = resolveSpec({ image: "redis:7.2.5-alpine" });
        assert.strictEqual(old.warnings.length, 1);
        assert.strictEqual(old.warnings[0].key, "image");
        assert.strictEqual(old.warnings[0].value, "redis:7.2.5-alpine");
        for (const c of KNOWN_CVES) assert.ok(old.warnings[0].message.includes(c.id), c.id);

        const ten = resolveSpec({ image: "redis:7.2.10-alpine" }).warnings[0].message;
        assert.deepStrictEqual(
            KNOWN_CVES.filter((c) => ten.includes(c.id)).map((c) => c.id),
            ["CVE-2025-49844", "CVE-2025-46817", "CVE-2025-46818", "CVE-2025-46819"],
        );
        assert.deepStrictEqual(resolveSpec({ image: "redis:7.2.11-alpine" }).warnings, []);
    });

    it("an image whose version cannot be checked warns that it was not checked", () => {
        for (const image of [`redis@sha256:${"b".repeat(64)}`, "redis:7.4.6-alpine"]) {
            const [w] = resolveSpec({ image }).warnings;
            assert.match(w?.message ?? "", /not checked against known Redis CVEs/, image);
        }
        const [w] = resolveSpec({ image: "valkey/valkey:8.0.1" }).warnings;
        assert.match(w?.message ?? "", /not checked against known Valkey CVEs: Valkey 8\.0 is not a line/);
    });

    it("a digest pin must be a full sha256, named with key, value and what is allowed", () => {
        const bad = "redis:7.2.16-alpine@sha256:ccd6aa8d";
        assert.throws(
            () => resolveSpec({ image: bad }),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.deepStrictEqual(
                    e.problems.map((p) => [p.key, p.value]),
                    [["image", bad]],
                );
                assert.match(e.problems[0].allowed, /sha256/);
                return true;
            },
        );
    });

    it("`npm run render` prints the warning on stderr and still renders", function () {
        this.timeout(60000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-cve-"));
        fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.old.yaml"),
            fs
                .readFileSync(path.join(packageRoot, "Pulumi.dev.yaml"), "utf8")
                .replace("redis-cluster:engine: valkey", "redis-cluster:engine: redis") + "\n  redis-cluster:image: redis:7.2.8-alpine\n",
        );
        const r = spawnSync(process.execPath, [path.join(packageRoot, "dist", "tools", "render.js"), "--stack", "old"], {
            cwd: dir,
            encoding: "utf8",
        });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stderr, /image = "redis:7\.2\.8-alpine": Redis 7\.2\.8 has known vulnerabilities: CVE-2025-32023/);
        assert.match(r.stderr, /CVE-2025-49844/);
        assert.doesNotMatch(r.stderr, /CVE-2024-31449/);
        assert.match(r.stdout, /image: redis:7\.2\.8-alpine/);
    });

    describe("Valkey", () => {
        it("the default engine is Valkey, its image pinned by digest and at or above every fix of the 8.1 table", () => {
            const spec = resolveSpec({});
            assert.strictEqual(spec.settings.engine, "valkey");
            assert.strictEqual(spec.settings.image, DEFAULT_IMAGES.valkey);
            assert.match(DEFAULT_IMAGES.valkey, /^valkey\/valkey:8\.1\.\d+-alpine@sha256:[a-f0-9]{64}$/);
            assert.deepStrictEqual(checkServerImage(DEFAULT_IMAGES.valkey), { kind: "ok", version: "8.1.9" });
            assert.deepStrictEqual(spec.warnings, []);
        });

        it("the table's 8.1 fixes are the releases Valkey's notes name", () => {
            const fixes = Object.fromEntries(KNOWN_VALKEY_CVES.map((c) => [c.id, c.fixedIn["8.1"]]));
            assert.strictEqual(fixes["CVE-2025-32023"], "8.1.3");
            assert.strictEqual(fixes["CVE-2025-49844"], "8.1.4");
            for (const id of ["CVE-2026-23479", "CVE-2026-25243", "CVE-2026-23631"]) assert.strictEqual(fixes[id], "8.1.7", id);
            for (const id of ["CVE-2026-56684", "CVE-2026-63639"]) assert.strictEqual(fixes[id], "8.1.9", id);
        });

        it("a pinned vulnerable Valkey warns naming each CVE it lacks, whatever the registry", () => {
            const [w] = resolveSpec({ image: "registry.example.com:5000/mirror/valkey:8.1.4-alpine" }).warnings;
            assert.match(w.message, /^Valkey 8\.1\.4 has known vulnerabilities/);
            const named = KNOWN_VALKEY_CVES.filter((c) => w.message.includes(c.id)).map((c) => c.fixedIn["8.1"]);
            assert.ok(named.length > 0 && named.every((v) => v > "8.1.4"), named.join(","));
            assert.ok(!w.message.includes("CVE-2025-49844"), "8.1.4 has the Lua fixes");
        });

        it("reads engine and version from either repository", () => {
            assert.deepStrictEqual(serverImageVersion(DEFAULT_IMAGES.valkey), { engine: "valkey", version: [8, 1, 9] });
            assert.deepStrictEqual(serverImageVersion("redis:7.2.16-alpine"), { engine: "redis", version: [7, 2, 16] });
            assert.strictEqual(serverImageVersion("bitnami/keydb:6.3.4"), undefined);
        });

        it("an image names its engine; an engine names its image; a mismatch is refused by key, value and what is allowed", () => {
            assert.strictEqual(resolveSpec({ image: "redis:7.2.16-alpine" }).settings.engine, "redis");
            assert.strictEqual(resolveSpec({ engine: "redis" }).settings.image, DEFAULT_IMAGES.redis);
            assert.throws(
                () => resolveSpec({ engine: "valkey", image: "redis:7.2.16-alpine" }),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError);
                    assert.deepStrictEqual(
                        e.problems.map((p) => [p.key, p.value]),
                        [["image", "redis:7.2.16-alpine"]],
                    );
                    assert.match(e.problems[0].allowed, /an image of engine "valkey".*valkey-server/);
                    return true;
                },
            );
            assert.throws(
                () => resolveSpec({ engine: "keydb" }),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError);
                    assert.deepStrictEqual(
                        e.problems.map((p) => [p.key, p.value, p.allowed]),
                        [["engine", "keydb", 'one of "valkey", "redis"']],
                    );
                    return true;
                },
            );
        });
    });
});
