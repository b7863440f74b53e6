// The benches' one reader of redis-benchmark --csv (bench/redis-benchmark.ts), on real output:
// Debian's redis-benchmark 7.0.15 against a local redis-server,
//   redis-benchmark -h 127.0.77.1 -p 6399 -t set,get -n 2000 -c 10 -d 64 -P 1 -r 1000 --csv -q
// printed OUTPUT below, byte for byte.
import * as assert from "assert";
import { medianResult, parseBenchmarkCsv } from "../../bench/redis-benchmark";

const OUTPUT = [
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
    '"SET","11904.76","0.563","0.072","0.311","2.911","4.159","6.767"',
    '"GET","15267.18","0.466","0.064","0.279","1.351","4.079","8.783"',
    "",
].join("\n");

describe("redis-benchmark --csv output", () => {
    it("reads each test's requests per second, p50 and p99 by the header's column names", () => {
        assert.deepStrictEqual(parseBenchmarkCsv(OUTPUT, "set"), { rps: 11904.76, p50: 0.311, p99: 4.159 });
        assert.deepStrictEqual(parseBenchmarkCsv(OUTPUT, "GET"), { rps: 15267.18, p50: 0.279, p99: 4.079 });
    });

    it("finds the columns by name, whatever their order", () => {
        const reordered = ['"p99_latency_ms","test","p50_latency_ms","rps"', '"4.159","SET","0.311","11904.76"'].join("\r\n");
        assert.deepStrictEqual(parseBenchmarkCsv(reordered, "set"), { rps: 11904.76, p50: 0.311, p99: 4.159 });
    });

    it("refuses output without the test or a column, quoting what it got", () => {
        assert.throws(() => parseBenchmarkCsv(OUTPUT, "lpush"), /no lpush result: "test","rps"/);
        assert.throws(
            () => parseBenchmarkCsv("Could not connect to Redis at 127.0.0.1:6379: Connection refused\n", "set"),
            /Connection refused/,
        );
        const noP99 = OUTPUT.replace(/"p99_latency_ms"/, '"p999_latency_ms"');
        assert.throws(() => parseBenchmarkCsv(noP99, "set"), /no p99_latency_ms/);
    });

    it("sums runs up as the median of each figure", () => {
        const runs = [
            { rps: 100, p50: 0.3, p99: 4 },
            { rps: 300, p50: 0.1, p99: 2 },
            { rps: 200, p50: 0.2, p99: 9 },
        ];
        assert.deepStrictEqual(medianResult(runs), { rps: 200, p50: 0.2, p99: 4 });
    });
});
