// Which server binaries stand in for a Redis or Valkey image: the ones of the image's own engine
// and minor line (redis:7.2.x needs a Redis 7.2, valkey/valkey:8.1.x a Valkey 8.1), because lines
// differ in what this project relies on (cluster bus, CLUSTER SHARDS, ACL selectors, TLS reload).
// Candidates: the engines tools/engines/servers.sh builds from Debian's source packages, linked
// under <checkout>/.local/engines/<engine>-<line>/, and the machine's own redis-server package.
// Local mode refuses an image whose line it cannot run, unless REDIS_LOCAL_ALLOW_STAND_IN=1
// (`npm run local -- up --allow-stand-in`), and then says loudly what stands in for what.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../components/package-files";

export type Engine = "redis" | "valkey";

/** The engine and minor line an image reference names, read from its repository and tag. */
export interface ImageEngine {
    engine: Engine;
    line: string;
}

/** A server build this machine can run. */
export interface LocalEngine {
    engine: Engine;
    line: string;
    /** `valkey 8.1.1`, as the binary reports itself. */
    version: string;
    /** Holds <engine>-server, <engine>-cli and <engine>-sentinel. */
    binDir: string;
    /** Where the build comes from, for the reports. */
    source: string;
}

export interface EngineChoice extends LocalEngine {
    /** Set when the build is not of the image's line: what it stands in for. */
    standInFor?: string;
}

export const STAND_IN_ENV = "REDIS_LOCAL_ALLOW_STAND_IN";
export const standInAllowed = (): boolean => process.env[STAND_IN_ENV] === "1";

/** Pure: `redis:7.2.16-alpine@sha256:...` -> redis 7.2; `valkey/valkey:8.1.9-alpine` -> valkey 8.1. */
export function imageEngine(image: string): ImageEngine | undefined {
    const noDigest = image.replace(/@sha256:[a-f0-9]+$/, "");
    const colon = noDigest.lastIndexOf(":");
    if (colon < 0 || noDigest.slice(colon).includes("/")) return undefined;
    const name = noDigest.slice(0, colon).split("/").pop();
    if (name !== "redis" && name !== "valkey") return undefined;
    const m = /^(\d+)\.(\d+)(?:\.\d+)?(?:-[\w.-]+)?$/.exec(noDigest.slice(colon + 1));
    return m ? { engine: name, line: `${m[1]}.${m[2]}` } : undefined;
}

/** Pure: whether the image's repository is Redis's or Valkey's, whatever its tag says. */
export const isServerImage = (image: string): boolean =>
    /^(redis|valkey)$/.test(
        image
            .replace(/@sha256:[a-f0-9]+$/, "")
            .replace(/:[^:/]*$/, "")
            .split("/")
            .pop() ?? "",
    );

/** Pure: `Redis server v=7.0.15 sha=...` or `Valkey server v=8.1.1 ...` -> engine and version. */
export function parseServerVersion(output: string): { engine: Engine; version: string } | undefined {
    const m = /^(Redis|Valkey) server v=(\d+\.\d+\.\d+)/.exec(output.trim());
    return m ? { engine: m[1].toLowerCase() as Engine, version: m[2] } : undefined;
}

const versions = new Map<string, ReturnType<typeof parseServerVersion>>();

/** What a server binary says it is (asked once per binary). */
export function serverVersion(binary: string): { engine: Engine; version: string } | undefined {
    if (!versions.has(binary)) {
        const r = spawnSync(binary, ["--version"], { encoding: "utf8" });
        versions.set(binary, r.status === 0 ? parseServerVersion(r.stdout) : undefined);
    }
    return versions.get(binary);
}

const lineOf = (version: string) => version.split(".").slice(0, 2).join(".");

/** Every server build this machine can run: the built engines first, then the system's redis-server. */
export function localEngines(root = packageRoot): LocalEngine[] {
    const found: LocalEngine[] = [];
    const linked = path.join(root, ".local", "engines");
    for (const entry of fs.existsSync(linked) ? fs.readdirSync(linked).sort() : []) {
        const m = /^(redis|valkey)-(\d+\.\d+)$/.exec(entry);
        if (!m) continue;
        const binDir = path.join(linked, entry, "bin");
        const reported = serverVersion(path.join(binDir, `${m[1]}-server`));
        if (!reported || reported.engine !== m[1] || lineOf(reported.version) !== m[2]) continue;
        const debian = path.join(linked, entry, "debian-version");
        const source = fs.existsSync(debian) ? `Debian source package ${m[1]} ${fs.readFileSync(debian, "utf8").trim()}` : entry;
        found.push({ engine: m[1] as Engine, line: m[2], version: `${m[1]} ${reported.version}`, binDir, source });
    }
    const system = "/usr/bin/redis-server";
    const reported = fs.existsSync(system) ? serverVersion(system) : undefined;
    if (reported) {
        found.push({
            engine: reported.engine,
            line: lineOf(reported.version),
            version: `${reported.engine} ${reported.version}`,
            binDir: "/usr/bin",
            source: "the system's redis-server package",
        });
    }
    return found;
}

/**
 * Pure: the build to run for `image`: one of its engine and line; else, when stand-ins are allowed,
 * the newest line of the same engine (or of any engine), marked as a stand-in; else an error that
 * names what is there and both ways out.
 */
export function chooseEngine(image: string, available: LocalEngine[], allowStandIn: boolean): EngineChoice {
    const wanted = imageEngine(image);
    if (!wanted) {
        throw new Error(
            `local mode cannot tell which engine and line image ${image} runs ` +
                "(expected redis:<major>.<minor>[.<patch>][-variant] or valkey/valkey:<major>.<minor>[.<patch>][-variant], optionally @sha256:...)",
        );
    }
    const exact = available.find((e) => e.engine === wanted.engine && e.line === wanted.line);
    if (exact) return exact;
    const have = available.length > 0 ? available.map((e) => `${e.version} (${e.source})`).join(", ") : "no server at all";
    const byLine = (a: LocalEngine, b: LocalEngine) =>
        Number(b.line.split(".")[0]) - Number(a.line.split(".")[0]) || Number(b.line.split(".")[1]) - Number(a.line.split(".")[1]);
    const nearest = [
        ...available.filter((e) => e.engine === wanted.engine).sort(byLine),
        ...available.filter((e) => e.engine !== wanted.engine).sort(byLine),
    ][0];
    if (!allowStandIn || !nearest) {
        throw new Error(
            `local mode has no ${wanted.engine} ${wanted.line} to stand in for image ${image}; it has ${have}. ` +
                "Build the engines (sh tools/engines/servers.sh)" +
                (nearest
                    ? `, or run ${nearest.version} in its place with --allow-stand-in (${STAND_IN_ENV}=1), knowing the tests then prove another release`
                    : ""),
        );
    }
    return { ...nearest, standInFor: `${wanted.engine} ${wanted.line} (${image})` };
}

const choices = new Map<string, EngineChoice>();

/** The build for `image` on this machine (chosen once per image and process). */
export function engineFor(image: string): EngineChoice {
    if (!choices.has(image)) choices.set(image, chooseEngine(image, localEngines(), standInAllowed()));
    return choices.get(image)!;
}

/** Environment local mode adds to a container of a Redis or Valkey image: its build's binaries first on PATH. */
export function engineImageEnv(image: string): Record<string, string> {
    if (!isServerImage(image)) return {};
    const chosen = engineFor(image);
    return { PATH: `${chosen.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}` };
}

/** A loud, multi-line notice for a stand-in, for stderr. */
export function standInNotice(choice: EngineChoice): string | undefined {
    if (!choice.standInFor) return undefined;
    const bar = "!".repeat(78);
    return (
        `${bar}\n!! STAND-IN: ${choice.version} (${choice.source}) runs in place of ${choice.standInFor}.\n` +
        "!! What this run proves is that release, not the one the image deploys.\n" +
        `${bar}\n`
    );
}

/** The server binary a running process executes (its pid's executable) and what it reports. */
export function runningServer(pid: number): { binary: string; version?: string } | undefined {
    let binary: string;
    try {
        binary = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
        return undefined;
    }
    if (!/(redis|valkey)-(server|sentinel)$/.test(binary)) return undefined;
    const reported = serverVersion(binary);
    return { binary, ...(reported ? { version: `${reported.engine} ${reported.version}` } : {}) };
}
