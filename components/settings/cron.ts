// When a (valid) cron schedule fires, as the CronJob controller reads it in UTC: the longest gap
// between runs, which sizes how old a backup may get, and whether two schedules ever start in
// the same minute. Minutes are enumerated over a fixed window, so the answers are exact for
// schedules that repeat within it (hourly, daily, weekly) and conservative beyond.
import { CRON_FIELDS } from "./formats";

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** Window the schedules are enumerated over: 35 days from a Monday, covering weekly and monthly patterns. */
const WINDOW_START = Date.UTC(2026, 0, 5);
export const WINDOW_MINUTES = 35 * 24 * 60;

interface Fields {
    minute: Set<number>;
    hour: Set<number>;
    day: (date: Date) => boolean;
}

function fieldSet(part: string, index: number): { values: Set<number>; any: boolean } {
    const field = CRON_FIELDS[index];
    const values = new Set<number>();
    const value = (s: string) => {
        const named = field.names?.indexOf(s.toUpperCase()) ?? -1;
        return named >= 0 ? named + (field.name === "month" ? 1 : 0) : Number(s);
    };
    for (const item of part.split(",")) {
        const [range, stepText] = item.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        const [lo, hi] =
            range === "*" || range === "?"
                ? [field.min, field.max]
                : range.includes("-")
                  ? range.split("-").map(value)
                  : [value(range), stepText === undefined ? value(range) : field.max];
        for (let v = lo; v <= hi; v += step) values.add(field.name === "day of week" && v === 7 ? 0 : v);
    }
    return { values, any: part === "*" || part === "?" };
}

function parse(schedule: string): Fields {
    const parts = (MACROS[schedule] ?? schedule).trim().split(/\s+/);
    const [minute, hour, dom, month, dow] = parts.map(fieldSet);
    return {
        minute: minute.values,
        hour: hour.values,
        day: (t) => {
            if (!month.values.has(t.getUTCMonth() + 1)) return false;
            const byDom = dom.values.has(t.getUTCDate());
            const byDow = dow.values.has(t.getUTCDay());
            // Cron's rule: with both day fields restricted, either one matching is enough.
            if (dom.any || dow.any) return (dom.any || byDom) && (dow.any || byDow);
            return byDom || byDow;
        },
    };
}

/** Minutes (from the window's start) at which `schedule` fires, within `minutes`. */
export function firingMinutes(schedule: string, minutes = WINDOW_MINUTES): number[] {
    const f = parse(schedule);
    const out: number[] = [];
    for (let day = 0; day * 1440 < minutes; day++) {
        if (!f.day(new Date(WINDOW_START + day * 86400000))) continue;
        for (let h = 0; h < 24; h++) {
            if (!f.hour.has(h)) continue;
            for (let m = 0; m < 60; m++) if (f.minute.has(m) && day * 1440 + h * 60 + m < minutes) out.push(day * 1440 + h * 60 + m);
        }
    }
    return out;
}

/** The longest time between two runs, in minutes (the window's length when it fires less than twice in it). */
export function longestGapMinutes(schedule: string): number {
    const fires = firingMinutes(schedule);
    if (fires.length < 2) return WINDOW_MINUTES;
    // The gap across the window's end counts too, as if the window repeated.
    let gap = fires[0] + WINDOW_MINUTES - fires[fires.length - 1];
    for (let i = 1; i < fires.length; i++) gap = Math.max(gap, fires[i] - fires[i - 1]);
    return gap;
}

/** Minutes of one week in which both schedules fire, in UTC "Mon 02:00" form (empty when they never coincide). */
export function sharedStarts(a: string, b: string): string[] {
    const week = 7 * 24 * 60;
    const other = new Set(firingMinutes(b, week));
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    return firingMinutes(a, week)
        .filter((m) => other.has(m))
        .map((m) => {
            const t = new Date(WINDOW_START + m * 60000);
            return `${days[t.getUTCDay()]} ${String(t.getUTCHours()).padStart(2, "0")}:${String(t.getUTCMinutes()).padStart(2, "0")}`;
        });
}
