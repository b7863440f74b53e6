// A pod's scripts run in a real sh against a stand-in redis-cli, for the unit tests of the
// scripts' decisions (no server runs).
import * as fs from "fs";
import * as path from "path";
import { loadRedisScripts } from "../../components/redis/scripts";

/**
 * Writes the scripts of `topology` into `dir`, a password file, an empty `data/`, and
 * `bin/redis-cli`: a stand-in that appends each call's arguments to `dir/calls`, then runs `body`
 * (sh lines, with `$d` naming `dir`).
 */
export function writeScriptsWithStandInCli(dir: string, body: string[], topology: "cluster" | "sentinel" = "cluster"): void {
    for (const [name, text] of Object.entries(loadRedisScripts(topology))) fs.writeFileSync(path.join(dir, name), text!);
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "redis-cli"), ["#!/bin/sh", `d=${dir}`, 'echo "$*" >>"$d/calls"', ...body, ""].join("\n"), {
        mode: 0o755,
    });
    fs.writeFileSync(path.join(dir, "password"), "x");
    fs.mkdirSync(path.join(dir, "data"));
}

/** The environment the pod gives its scripts, with the stand-in first on PATH. */
export function standInEnv(dir: string): Record<string, string> {
    return {
        PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
        POD_IP: "127.0.0.2",
        PASSWORD_FILE: path.join(dir, "password"),
        ADMIN_USER: "admin",
        REDIS_PORT: "6379",
        DATA_DIR: path.join(dir, "data"),
    };
}
