import * as assert from "assert";
import { isCidr, isCronSchedule, isPinnedImage, isQualifiedName, parseQuantity, parseRedisSize } from "../../components/settings/formats";

describe("formats", () => {
    it("parses Kubernetes quantities", () => {
        assert.strictEqual(parseQuantity("500m"), 0.5);
        assert.strictEqual(parseQuantity("2"), 2);
        assert.strictEqual(parseQuantity("8Gi"), 8 * 2 ** 30);
        assert.strictEqual(parseQuantity("1G"), 1e9);
        assert.strictEqual(parseQuantity("1e3"), 1000);
        for (const bad of ["", "Gi", "8 Gi", "8gi", "1.2.3", " 1"]) assert.strictEqual(parseQuantity(bad), undefined, bad);
    });

    it("parses redis.conf sizes as Redis does", () => {
        assert.strictEqual(parseRedisSize("6gb"), 6 * 2 ** 30);
        assert.strictEqual(parseRedisSize("1g"), 1e9);
        assert.strictEqual(parseRedisSize("64MB"), 64 * 2 ** 20);
        assert.strictEqual(parseRedisSize("1000"), 1000);
        assert.strictEqual(parseRedisSize("6 gb"), undefined);
    });

    it("checks CIDRs as NetworkPolicy ipBlocks take them", () => {
        for (const ok of ["10.0.0.0/8", "0.0.0.0/0", "192.0.2.7/32", "2001:db8::/32", "::/0"]) assert.ok(isCidr(ok), ok);
        for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "10.0.0.0/-1", "any", "10.0.0.0/8 "]) {
            assert.ok(!isCidr(bad), bad);
        }
    });

    it("checks cron schedules field by field", () => {
        for (const ok of ["0 * * * *", "0 2 * * *", "*/15 0-6 1,15 JAN-MAR MON-FRI", "@daily", "5 4 * * 7"])
            assert.ok(isCronSchedule(ok), ok);
        for (const bad of ["0 24 * * *", "60 * * * *", "* * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * * 8", "*/0 * * * *", "5-1 * * * *"]) {
            assert.ok(!isCronSchedule(bad), bad);
        }
    });

    it("requires pinned images", () => {
        for (const ok of [
            "redis:7.2.5-alpine",
            "oliver006/redis_exporter:v1.62.0",
            "registry.example.com:5000/team/redis:7.2",
            `redis@sha256:${"a".repeat(64)}`,
        ])
            assert.ok(isPinnedImage(ok), ok);
        for (const bad of ["redis", "redis:latest", "Redis:7", "redis:"]) assert.ok(!isPinnedImage(bad), bad);
    });

    it("checks label keys", () => {
        for (const ok of ["app", "app.kubernetes.io/name", "a-b_c.d"]) assert.ok(isQualifiedName(ok), ok);
        for (const bad of ["", "a/b/c", "-a", "a".repeat(64), "Bad_Prefix/x"]) assert.ok(!isQualifiedName(bad), bad);
    });
});
