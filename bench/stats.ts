// Small helpers shared by the benchmarks: medians, a printed table, a JSON result file.
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../components/package-files";

export function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
    const cells = [header, ...rows.map((r) => r.map(String))];
    const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
    console.log(`\n${title}`);
    for (const [i, r] of cells.entries()) {
        console.log(r.map((c, j) => c.padStart(widths[j])).join("  "));
        if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
    }
}

export function writeResult(name: string, data: unknown): string {
    const dir = path.join(packageRoot, "bench", "results");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
    return file;
}
