// Where a password may be, and where it is a leak: the rules the secret-leak sampler applies to
// every process's command line and environment and to every file a local-mode deployment writes.
// Pure, so the rules are unit tested apart from the sampling (docs/threat-model.md, "How leaks are
// tested", explains them for readers).
import * as crypto from "crypto";
import * as path from "path";
import { CGROUP_LAUNCHER } from "../../local/pod";

/** A password to look for: its Secret key and the forms it can take (raw, base64). */
export interface KnownSecret {
    key: string;
    forms: string[];
}

/** Shorter values would match by chance; every generated password is longer. */
export const MIN_SECRET_LENGTH = 12;

/** The Secret keys a password lives under: `<user>-password`, `<user>-password-previous`. */
export const PASSWORD_FILE = /^[a-z0-9]+-password(-previous)?$/;

export function knownSecret(key: string, value: string): KnownSecret | undefined {
    if (value.length < MIN_SECRET_LENGTH) return undefined;
    return { key: key.replace(/-previous$/, ""), forms: [value, Buffer.from(value).toString("base64")] };
}

/** How a finding names a password without printing it: its key and a short hash. */
export function fingerprint(secret: KnownSecret): string {
    return `${secret.key} [sha256:${crypto.createHash("sha256").update(secret.forms[0]).digest("hex").slice(0, 10)}]`;
}

/** The secrets `text` holds. */
export function secretsIn(text: string, secrets: KnownSecret[]): KnownSecret[] {
    return secrets.filter((s) => s.forms.some((f) => text.includes(f)));
}

/** `text` with every form of every secret replaced by `<key>`: safe to print. */
export function redact(text: string, secrets: KnownSecret[]): string {
    let out = text;
    for (const s of secrets) for (const f of s.forms) out = out.split(f).join(`<${s.key}>`);
    return out;
}

/** One process as /proc shows it. */
export interface ProcessView {
    pid: number;
    exe: string;
    argv: string[];
    env: [string, string][];
}

/**
 * The only processes that may hold a password in their environment, and under which variable.
 * /proc/<pid>/environ is readable by the process's own user and root only, so the environment
 * is where a tool that reads its password from it legitimately keeps it. Anything else that
 * holds one (a `sleep` or `aws` started by a script that exported it, redis-server, the kubelet)
 * does not need it and is a leak: it hands it on to every child it starts, and into every crash
 * report or environment dump it writes.
 */
export const ENV_HOLDERS: { variable: string; who: string; matches: (p: ProcessView) => boolean }[] = [
    {
        variable: "REDISCLI_AUTH",
        who: "redis-cli or valkey-cli, which read it instead of -a",
        matches: (p) => isTool(p, ["redis-cli", "valkey-cli"]),
    },
    {
        variable: "REDISCLI_AUTH",
        who: "the redis-cli.sh wrapper (sh, under timeout), which execs redis-cli with it",
        matches: (p) => runsScript(p, "redis-cli.sh") && (isTool(p, SHELLS) || isTool(p, ["timeout"])),
    },
    {
        variable: "REDIS_PASSWORD",
        who: "the metrics exporter, which reads it",
        matches: (p) => isTool(p, ["prometheus-redis-exporter", "redis_exporter"]),
    },
    {
        variable: "REDIS_PASSWORD",
        who: "an application client a test runs (examples/clients, a python3 -c client)",
        matches: (p) => p.argv.some((a) => /\/examples\/clients\/[\w.-]+$/.test(a)) || (isTool(p, ["python3"]) && p.argv[1] === "-c"),
    },
];

const SHELLS = ["sh", "dash", "busybox", "ash"];

function isTool(p: ProcessView, names: string[]): boolean {
    // An executable the sampler could not read (the process was exiting between its reads) is
    // judged by its command line alone, as the worker says.
    const exe = path.basename(p.exe || p.argv[0] || "");
    return names.some((n) => exe === n || exe.startsWith(`${n}.`) || (n === "python3" && /^python3(\.\d+)?$/.test(exe)));
}

/** The script a shell runs, directly or under `timeout <n>`. */
function runsScript(p: ProcessView, script: string): boolean {
    const args = path.basename(p.argv[0] ?? "") === "timeout" ? p.argv.slice(2) : p.argv;
    return SHELLS.includes(path.basename(args[0] ?? "")) && path.basename(args[1] ?? "") === script;
}

/** A password where it must not be, named without printing it. */
export interface Leak {
    where: string;
    secret: string;
    detail: string;
}
/** A password where the rules allow it: proof the sampler sees real holders. */
export interface Holding {
    who: string;
    variable: string;
    secret: string;
}

export function describeProcess(p: ProcessView, secrets: KnownSecret[]): string {
    return `pid ${p.pid} (${path.basename(p.exe) || "?"}: ${redact(p.argv.join(" "), secrets).slice(0, 160)})`;
}

/**
 * Local mode starts each container as `sh -c CGROUP_LAUNCHER <cgroup> <argv...>`: the shell joins
 * the pod's cgroup and execs the command in the same process, so for the moment before the exec
 * it carries the container's environment. It is judged as the command it becomes.
 */
function asLaunched(p: ProcessView): ProcessView {
    if (!isTool(p, SHELLS) || p.argv[1] !== "-c" || p.argv[2] !== CGROUP_LAUNCHER || p.argv.length < 5) return p;
    return { ...p, exe: p.argv[4], argv: p.argv.slice(4) };
}

/** Every password on the process's command line, and every one in its environment where no rule allows it. */
export function judgeProcess(seen: ProcessView, secrets: KnownSecret[]): { leaks: Leak[]; holdings: Holding[] } {
    const p = asLaunched(seen);
    const leaks: Leak[] = [];
    const holdings: Holding[] = [];
    const name = describeProcess(p, secrets);
    for (const s of secretsIn(seen.argv.join("\0"), secrets))
        leaks.push({
            where: `${name} command line`,
            secret: fingerprint(s),
            detail: "a password in argv is readable by every user of the machine",
        });
    for (const [variable, value] of p.env) {
        for (const s of secretsIn(value, secrets)) {
            const holder = ENV_HOLDERS.find((h) => h.variable === variable && h.matches(p));
            if (holder) holdings.push({ who: holder.who, variable, secret: s.key });
            else
                leaks.push({
                    where: `${name} environment ${variable}`,
                    secret: fingerprint(s),
                    detail: "this process does not read a password from that variable",
                });
        }
    }
    return { leaks, holdings };
}

/**
 * Files (by path relative to the state root) that may hold a password besides the Secret's own
 * files, and which one. Each is a runtime file in a memory-backed emptyDir, mode 600.
 */
export const FILE_EXCEPTIONS: { file: RegExp; key: string; why: string }[] = [
    {
        file: /(^|\/)run\/redis\.conf$/,
        key: "replication-password",
        why: "masterauth: redis-server reads the replication password only from its config",
    },
    // Sentinel rewrites its config through a temporary file beside it (`sentinel.conf.XXXXXX`, mkostemp).
    {
        file: /(^|\/)run\/sentinel\.conf(\.[A-Za-z0-9]{6})?$/,
        key: "admin-password",
        why: "sentinel auth-pass: redis-sentinel reads the password it gives Redis only from its config",
    },
    {
        file: /(^|\/)run\/sentinel\.conf(\.[A-Za-z0-9]{6})?$/,
        key: "sentinel-password",
        why: "sentinel sentinel-pass: redis-sentinel reads the password it gives its peer Sentinels only from its config",
    },
    {
        file: /(^|\/)exporter-auth\/passwords\.json$/,
        key: "exporter-password",
        why: "the exporter's password map (exporter-auth.sh): redis_exporter sends a password from it only to the address it is keyed by",
    },
];

/** Whether a file holding `secret` is allowed to: a Secret's own file (its name, holding exactly that value), or an exception. */
export function fileMayHold(relative: string, content: string, secret: KnownSecret): boolean {
    if (PASSWORD_FILE.test(path.basename(relative)) && content.trim() === secret.forms[0]) return true;
    return FILE_EXCEPTIONS.some((e) => e.file.test(relative) && e.key === secret.key);
}

/** Every password in a file that may not hold it. */
export function judgeFile(relative: string, content: string, secrets: KnownSecret[]): Leak[] {
    return secretsIn(content, secrets)
        .filter((s) => !fileMayHold(relative, content, s))
        .map((s) => ({
            where: `file ${relative}`,
            secret: fingerprint(s),
            detail: "only the Secret's files and the listed runtime configs may hold a password",
        }));
}

/** Every password in text a run printed or returned (logs, outputs): none may be there. */
export function judgeText(where: string, text: string, secrets: KnownSecret[]): Leak[] {
    return secretsIn(text, secrets).map((s) => ({ where, secret: fingerprint(s), detail: "printed or returned in the clear" }));
}
