// Local mode runs the image's own engine and line, or refuses, or (when told to) stands another
// line in and says so. The version parsing is checked against the real binaries on this machine.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { DEFAULT_IMAGES } from "../../components/settings/images";
import {
    chooseEngine,
    imageEngine,
    isServerImage,
    LocalEngine,
    localEngines,
    parseServerVersion,
    standInNotice,
} from "../../local/engines";

const build = (engine: "redis" | "valkey", line: string, binDir = `/engines/${engine}-${line}/bin`): LocalEngine => ({
    engine,
    line,
    version: `${engine} ${line}.1`,
    binDir,
    source: `test ${engine} ${line}`,
});

describe("local mode's engine binaries", () => {
    it("reads engine and line from the image, with or without variant, registry or digest", () => {
        const digest = "@sha256:" + "c".repeat(64);
        assert.deepStrictEqual(imageEngine(DEFAULT_IMAGES.valkey), { engine: "valkey", line: "8.1" });
        assert.deepStrictEqual(imageEngine(DEFAULT_IMAGES.redis), { engine: "redis", line: "7.2" });
        assert.deepStrictEqual(imageEngine(`registry.example.com:5000/team/valkey:8.1${digest}`), { engine: "valkey", line: "8.1" });
        assert.strictEqual(imageEngine("redis:latest"), undefined);
        assert.strictEqual(imageEngine(`redis${digest}`), undefined);
        assert.strictEqual(imageEngine("bitnami/keydb:6.3.4"), undefined);
        assert.ok(isServerImage(`redis${digest}`) && isServerImage("valkey/valkey:unstable") && !isServerImage("amazon/aws-cli:2.17.0"));
    });

    it("parses what the real redis-server says of itself", () => {
        const out = spawnSync("/usr/bin/redis-server", ["--version"], { encoding: "utf8" });
        assert.strictEqual(out.status, 0, out.stderr);
        const parsed = parseServerVersion(out.stdout);
        assert.strictEqual(parsed?.engine, "redis");
        assert.match(parsed!.version, /^7\.0\.\d+$/);
        assert.deepStrictEqual(parseServerVersion("Valkey server v=8.1.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1"), {
            engine: "valkey",
            version: "8.1.1",
        });
        assert.deepStrictEqual(
            localEngines().find((e) => e.binDir === "/usr/bin"),
            {
                engine: "redis",
                line: "7.0",
                version: `redis ${parsed!.version}`,
                binDir: "/usr/bin",
                source: "the system's redis-server package",
            },
        );
    });

    it("picks the build of the image's engine and line", () => {
        const available = [build("redis", "7.0", "/usr/bin"), build("redis", "8.0"), build("valkey", "8.1")];
        assert.deepStrictEqual(chooseEngine("valkey/valkey:8.1.9-alpine", available, false), available[2]);
        assert.deepStrictEqual(chooseEngine("redis:8.0.5-alpine", available, true), available[1]);
    });

    it("refuses an image whose line it cannot run, naming what it has and both ways out", () => {
        const available = [build("redis", "7.0", "/usr/bin"), build("redis", "8.0"), build("valkey", "8.1")];
        assert.throws(
            () => chooseEngine(DEFAULT_IMAGES.redis, available, false),
            (e: Error) => {
                assert.match(e.message, /no redis 7\.2 to stand in for image redis:7\.2\.16-alpine@sha256:/);
                assert.match(e.message, /it has redis 7\.0\.1 \(test redis 7\.0\), redis 8\.0\.1 \(test redis 8\.0\), valkey 8\.1\.1/);
                assert.match(e.message, /tools\/engines\/servers\.sh/);
                assert.match(e.message, /run redis 8\.0\.1 in its place with --allow-stand-in/);
                return true;
            },
        );
        assert.throws(() => chooseEngine("redis:latest", available, true), /cannot tell which engine and line image redis:latest runs/);
        assert.throws(() => chooseEngine("valkey/valkey:8.1.9", [], true), /it has no server at all/);
    });

    it("when told to, stands the newest line of the same engine in, and says so loudly", () => {
        const available = [build("redis", "7.0", "/usr/bin"), build("redis", "8.0"), build("valkey", "8.1")];
        const chosen = chooseEngine(DEFAULT_IMAGES.redis, available, true);
        assert.strictEqual(chosen.binDir, "/engines/redis-8.0/bin");
        assert.strictEqual(chosen.standInFor, `redis 7.2 (${DEFAULT_IMAGES.redis})`);
        const notice = standInNotice(chosen)!;
        assert.match(notice, /^!{78}\n!! STAND-IN: redis 8\.0\.1 \(test redis 8\.0\) runs in place of redis 7\.2/);
        assert.match(notice, /proves is that release, not the one the image deploys/);
        assert.strictEqual(standInNotice(chooseEngine("valkey/valkey:8.1.9", available, true)), undefined);
        // No build of the engine at all: another engine stands in, still marked.
        assert.strictEqual(
            chooseEngine("valkey/valkey:8.1.9", [build("redis", "8.0")], true).standInFor,
            "valkey 8.1 (valkey/valkey:8.1.9)",
        );
    });
});
