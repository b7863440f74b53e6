// What the TLS settings the engine offers cost: the TLS 1.3 cipher suite the server settles on
// (tls-ciphersuites, tls-prefer-server-ciphers) measured with redis-benchmark on the rendered prod
// pods, and session resumption (tls-session-caching) measured as handshakes per second of a
// client that reconnects. The settings are changed with CONFIG SET on all six nodes between
// samples (the engine builds a new TLS context; new connections use it), so every variant runs on
// the same processes, interleaved. The rendered pods without TLS are the reference.
import * as fs from "fs";
import * as tls from "tls";
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import { BenchmarkCell, BenchmarkResult, medianResult } from "./redis-benchmark";
import { median, printTable } from "./stats";
import { BenchCluster, PASSWORD, redisBenchmark, withClusters } from "./throughput";

/** OpenSSL 3's default TLS 1.3 list: with it, the client's order decides (AES-256 first for OpenSSL and Node). */
const OPENSSL_DEFAULT = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

export const CIPHER_VARIANTS: { name: string; settings: Record<string, string> }[] = [
    { name: "default", settings: { "tls-ciphersuites": OPENSSL_DEFAULT, "tls-prefer-server-ciphers": "no" } },
    { name: "aes-128-gcm only", settings: { "tls-ciphersuites": "TLS_AES_128_GCM_SHA256", "tls-prefer-server-ciphers": "no" } },
    { name: "chacha20 only", settings: { "tls-ciphersuites": "TLS_CHACHA20_POLY1305_SHA256", "tls-prefer-server-ciphers": "no" } },
    // Every suite still offered (RFC 8446 makes AES-128-GCM mandatory for clients), the server's order wins.
    {
        name: "aes-128-gcm preferred",
        settings: {
            "tls-ciphersuites": "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
            "tls-prefer-server-ciphers": "yes",
        },
    },
];

export interface TlsCell extends BenchmarkCell {
    variant: string;
    samples: number[];
    /** This variant's sample / the default's sample of the same round (paired, so drift cancels). */
    ratios: number[];
}
export interface HandshakeCell {
    variant: string;
    perSecond: number;
    resumed: number;
    attempts: number;
    failed: number;
    lastError: string;
    samples: number[];
}
export interface TlsResult {
    negotiated: Record<string, string>;
    throughput: TlsCell[];
    handshakes: HandshakeCell[];
}

async function configSetAll(cluster: BenchCluster, caFile: string, settings: Record<string, string>): Promise<void> {
    const ca = fs.readFileSync(caFile, "utf8");
    await Promise.all(
        cluster.nodes.map(async (n) => {
            const c = new Redis({
                host: n.ip,
                port: n.port,
                username: USERS.admin,
                password: PASSWORD,
                tls: { ca },
                lazyConnect: true,
                maxRetriesPerRequest: 0,
            });
            try {
                await c.connect();
                for (const [k, v] of Object.entries(settings)) await c.config("SET", k, v);
            } finally {
                c.disconnect();
            }
        }),
    );
}

/** One TLS connection that sends PING and waits for the answer (the session ticket comes before it). */
function handshake(host: string, ca: string, session?: Buffer): Promise<{ session?: Buffer; reused: boolean; cipher: string }> {
    return new Promise((resolve, reject) => {
        let ticket: Buffer | undefined;
        const s = tls.connect({ host, port: 6379, ca, session });
        s.on("session", (t) => {
            ticket = t;
        });
        s.once("secureConnect", () => s.write("PING\r\n"));
        s.once("data", () => {
            const result = { session: ticket, reused: s.isSessionReused(), cipher: s.getCipher().standardName ?? s.getCipher().name };
            s.destroy();
            resolve(result);
        });
        s.once("error", reject);
    });
}

/** Sequential reconnects for `ms`: per second, and how many were resumptions. */
async function handshakeRate(
    host: string,
    ca: string,
    reuse: boolean,
    ms: number,
): Promise<{ perSecond: number; resumed: number; attempts: number; failed: number; lastError: string }> {
    let session: Buffer | undefined;
    let attempts = 0;
    let resumed = 0;
    const t0 = Date.now();
    let failed = 0;
    let lastError = "";
    while (Date.now() - t0 < ms) {
        attempts++;
        try {
            const r = await handshake(host, ca, reuse ? session : undefined);
            session = r.session ?? session;
            if (r.reused) resumed++;
        } catch (e) {
            // A refused resumption is a result (the server's answer to a stale ticket), not a crash.
            failed++;
            lastError = String(e instanceof Error ? e.message : e).split("\n")[0];
            session = undefined;
        }
    }
    return { perSecond: (attempts - failed) / ((Date.now() - t0) / 1000), resumed, attempts, failed, lastError };
}

export async function benchTls(runs: number, requests: number): Promise<TlsResult> {
    return withClusters(["rendered-tls", "rendered"], 50, async ([tlsCluster, plain], caFile) => {
        const ca = fs.readFileSync(caFile, "utf8");
        const seed = tlsCluster.nodes[0].ip;
        const negotiated: Record<string, string> = {};
        for (const v of CIPHER_VARIANTS) {
            await configSetAll(tlsCluster, caFile, v.settings);
            negotiated[v.name] = await handshake(seed, ca).then(
                (h) => h.cipher,
                (e) => `handshake failed: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
            );
        }
        const throughput: TlsCell[] = [];
        for (const test of ["set", "get"]) {
            for (const pipeline of [1, 16]) {
                const size = 1024;
                const samples = new Map<string, BenchmarkResult[]>([...CIPHER_VARIANTS.map((v) => v.name), "no TLS"].map((n) => [n, []]));
                for (let r = 0; r < runs; r++) {
                    // Rotate who goes first, so drift in the machine's load favours no variant.
                    const order = [...CIPHER_VARIANTS, undefined];
                    for (let k = 0; k < order.length; k++) {
                        const v = order[(r + k) % order.length];
                        if (!v) {
                            samples.get("no TLS")!.push(redisBenchmark(plain.nodes[0].ip, test, pipeline, size, requests * pipeline));
                            continue;
                        }
                        await configSetAll(tlsCluster, caFile, v.settings);
                        samples.get(v.name)!.push(redisBenchmark(seed, test, pipeline, size, requests * pipeline, caFile));
                    }
                }
                console.error(
                    `bench tls: ${test} P${pipeline}: ${JSON.stringify(Object.fromEntries([...samples].map(([n, x]) => [n, x.map((y) => Math.round(y.rps))])))}`,
                );
                const reference = samples.get(CIPHER_VARIANTS[0].name)!;
                for (const [variant, s] of samples) {
                    throughput.push({
                        variant,
                        test,
                        pipeline,
                        size,
                        ...medianResult(s),
                        samples: s.map((x) => Math.round(x.rps)),
                        ratios: s.map((x, i) => x.rps / reference[i].rps),
                    });
                }
            }
        }
        // Reconnects: the shipped cipher settings, session cache on (the engine's default) or off.
        await configSetAll(tlsCluster, caFile, CIPHER_VARIANTS[0].settings);
        // The engine's defaults are tls-session-caching yes, tls-session-cache-size 20480.
        const modes = [
            { variant: "resume, tls-session-caching yes", caching: "yes", size: "20480", reuse: true },
            { variant: "resume, tls-session-cache-size 1", caching: "yes", size: "1", reuse: true },
            { variant: "resume, tls-session-caching no", caching: "no", size: "20480", reuse: true },
            { variant: "full handshake every time", caching: "yes", size: "20480", reuse: false },
        ];
        const hs = new Map(modes.map((m) => [m.variant, [] as Awaited<ReturnType<typeof handshakeRate>>[]]));
        for (let r = 0; r < runs; r++) {
            for (let k = 0; k < modes.length; k++) {
                const m = modes[(r + k) % modes.length];
                await configSetAll(tlsCluster, caFile, { "tls-session-caching": m.caching, "tls-session-cache-size": m.size });
                hs.get(m.variant)!.push(await handshakeRate(seed, ca, m.reuse, 3000));
            }
        }
        const handshakes = [...hs].map(([variant, s]) => ({
            variant,
            perSecond: median(s.map((x) => x.perSecond)),
            resumed: s.reduce((n, x) => n + x.resumed, 0),
            attempts: s.reduce((n, x) => n + x.attempts, 0),
            failed: s.reduce((n, x) => n + x.failed, 0),
            lastError:
                s
                    .map((x) => x.lastError)
                    .filter(Boolean)
                    .pop() ?? "",
            samples: s.map((x) => Math.round(x.perSecond)),
        }));
        await configSetAll(tlsCluster, caFile, { "tls-session-caching": "yes", "tls-session-cache-size": "20480" });
        return { negotiated, throughput, handshakes };
    });
}

/** "1.02 (0.91-1.10)": the median of the paired ratios and their range; a range across 1.00 is noise. */
const pairedRatio = (ratios: number[]) =>
    `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;

export function printTls(r: TlsResult): void {
    const cell = (variant: string, c: TlsCell) =>
        r.throughput.find((x) => x.variant === variant && x.test === c.test && x.pipeline === c.pipeline)!;
    const names = CIPHER_VARIANTS.map((v) => v.name);
    printTable(
        "TLS 1.3 cipher suites, redis-benchmark --cluster, 50 clients, 1024-byte values (median ops/s; / default: median of the rounds' paired ratios, min-max)",
        [
            "test",
            "pipeline",
            ...names.map((n) => `${n} (${r.negotiated[n]})`),
            "no TLS",
            ...names.slice(1).map((n) => `${n} / default`),
            "no TLS / default",
        ],
        r.throughput
            .filter((c) => c.variant === "default")
            .map((c) => [
                c.test.toUpperCase(),
                c.pipeline,
                ...[...names, "no TLS"].map((n) => Math.round(cell(n, c).rps)),
                ...[...names.slice(1), "no TLS"].map((n) => pairedRatio(cell(n, c).ratios)),
            ]),
    );
    printTable(
        "TLS reconnects: sequential handshakes + PING, one client (median per second; resumed / attempts over all runs)",
        ["mode", "per second", "resumed", "failed", "runs", "last error"],
        r.handshakes.map((h) => [
            h.variant,
            h.perSecond.toFixed(0),
            `${h.resumed}/${h.attempts}`,
            h.failed,
            h.samples.join(" "),
            h.lastError,
        ]),
    );
}
