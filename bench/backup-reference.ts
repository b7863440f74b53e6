// The raw limit the backup benchmark compares the rendered jobs with: what a person would script
// by hand with the stock tools, every shard at the same time. Backup: `redis-cli --rdb` from each
// shard's replica, then `aws s3 cp` of each file. Restore: per shard, `aws s3 cp` down, then
// the server loading the RDB until it answers PING. The same s3rver, aws CLI and server build
// as the jobs and pods (a machine's own redis-server may be an older Redis that refuses the RDB).
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { USERS } from "../components/settings/spec";
import { stopProcess } from "../local/pod";
import { AWS_CLI, localImageEnv, s3Endpoint } from "../local/s3";
import { prodServerBinary } from "./throughput";

export interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** A process to completion without blocking the event loop (shards run side by side). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
            stdout += d;
        });
        child.stderr.on("data", (d) => {
            stderr += d;
        });
        child.on("error", (e) => resolve({ status: null, stdout, stderr: stderr + String(e) }));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

export async function must(r: Run | Promise<Run>, what: string): Promise<string> {
    const done = await r;
    if (done.status !== 0) throw new Error(`${what}: ${done.stderr}`);
    return done.stdout;
}

/** Debian's aws CLI against local mode's S3 endpoint, as awsLocal but asynchronous. */
export function aws(args: string[]): Promise<Run> {
    const env = { ...process.env, ...localImageEnv("amazon/aws-cli:local"), HOME: process.env.HOME ?? "/tmp" };
    return run(AWS_CLI, ["--endpoint-url", s3Endpoint()!, ...args], env);
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** Pulls one RDB per source replica into `dir`, all at once, then uploads them all at once. */
export async function referenceBackup(
    sources: string[],
    adminPassword: string,
    dir: string,
    url: string,
): Promise<{ dump: number; upload: number }> {
    fs.mkdirSync(dir, { recursive: true });
    const t0 = process.hrtime.bigint();
    // The password goes by environment (REDISCLI_AUTH), never by argv.
    const env = { ...process.env, REDISCLI_AUTH: adminPassword };
    await Promise.all(
        sources.map((address, i) => {
            const [host, port] = address.split(":");
            return must(
                run(
                    "redis-cli",
                    ["--no-auth-warning", "--user", USERS.admin, "-h", host, "-p", port, "--rdb", path.join(dir, `shard-${i}.rdb`)],
                    env,
                ),
                "redis-cli --rdb",
            );
        }),
    );
    const dump = seconds(t0);
    const t1 = process.hrtime.bigint();
    await Promise.all(
        sources.map((_, i) =>
            must(aws(["s3", "cp", "--only-show-errors", path.join(dir, `shard-${i}.rdb`), `${url}shard-${i}.rdb`]), "aws s3 cp"),
        ),
    );
    return { dump, upload: seconds(t1) };
}

/**
 * One PING over a fresh connection: true on PONG (false while the server loads, or before it
 * listens). In process, as our side's watcher is: a redis-cli start per poll cost the reference
 * CPU that ours does not pay.
 */
function pong(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        let reply = "";
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(1000, () => done(false));
        socket.on("connect", () => socket.write("PING\r\n"));
        socket.on("data", (d) => {
            reply += d;
            if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
        });
        socket.on("error", () => done(false));
    });
}

/**
 * Per shard at once: download its RDB, start a redis-server on it, wait for PONG. Seconds to the
 * last PONG, and to the last download's end.
 */
export async function referenceRestore(
    url: string,
    shards: number,
    dir: string,
    address: string,
    firstPort: number,
): Promise<{ seconds: number; downloadSeconds: number }> {
    fs.mkdirSync(dir, { recursive: true });
    const pids: number[] = [];
    const t0 = process.hrtime.bigint();
    let downloadSeconds = 0;
    try {
        await Promise.all(
            Array.from({ length: shards }, async (_, i) => {
                const file = `shard-${i}.rdb`;
                await must(aws(["s3", "cp", "--only-show-errors", `${url}${file}`, path.join(dir, file)]), "aws s3 cp");
                downloadSeconds = Math.max(downloadSeconds, seconds(t0));
                const server = spawn(
                    prodServerBinary(),
                    [
                        "--bind",
                        address,
                        "--port",
                        String(firstPort + i),
                        "--dir",
                        dir,
                        "--dbfilename",
                        file,
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    { stdio: ["ignore", "pipe", "ignore"] },
                );
                pids.push(server.pid!);
                let log = "";
                let exited = false;
                server.stdout!.on("data", (d) => (log = (log + d).slice(-2000)));
                server.on("exit", () => (exited = true));
                while (!(await pong(address, firstPort + i))) {
                    // A server that cannot load the file exits: say why instead of waiting forever.
                    if (exited) throw new Error(`the reference server for ${file} exited:\n${log}`);
                    await new Promise((r) => setTimeout(r, 50));
                }
            }),
        );
        return { seconds: seconds(t0), downloadSeconds };
    } finally {
        await Promise.all(pids.map((pid) => stopProcess(pid, 10000)));
    }
}
