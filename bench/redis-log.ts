// Timestamped lines of a Redis/Valkey log, for the benchmarks' timelines.
import * as fs from "fs";

export interface LogLine {
    t: number;
    text: string;
}

/**
 * Lines at or after `since` (epoch ms), and before `until` when given. Redis log lines start
 * "pid:R dd Mon yyyy hh:mm:ss.mmm"; Redis writes local time, as Date parses it.
 */
export function logTimes(file: string, since: number, until = Infinity): LogLine[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line) => {
            const m = /^\d+:[A-Z] (\d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3}) . (.*)$/.exec(line);
            const t = m ? new Date(m[1]).getTime() : NaN;
            return m && t >= since - 5 && t <= until ? [{ t, text: m[2] }] : [];
        });
}
