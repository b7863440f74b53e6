// The sentinel topology's Kubernetes objects: what NetworkPolicies, Prometheus and the scripts
// rely on (labels, selectors, ports, spreading, environment), beyond schema validity.
import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";

describe("sentinel topology objects", () => {
    const spec = resolveSpec({ profile: "production", topology: "sentinel", replicasPerShard: 2, name: "cache", namespace: "team-a" });
    const objects = buildAllObjects(spec, "[secret]") as any[];
    const find = (kind: string, name: string) => {
        const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
        assert.ok(o, `no ${kind} ${name}; have ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
        return o;
    };
    const sentinelLabels = {
        "app.kubernetes.io/name": "redis-sentinel",
        "app.kubernetes.io/instance": "cache",
        "app.kubernetes.io/component": "sentinel",
    };

    it("runs 3 Sentinels labelled for NetworkPolicies, spread over hosts and zones by their own selector", () => {
        const sts = find("StatefulSet", "cache-sentinel");
        assert.strictEqual(sts.spec.replicas, 3);
        assert.deepStrictEqual(sts.spec.selector.matchLabels, sentinelLabels);
        for (const [k, v] of Object.entries(sentinelLabels)) assert.strictEqual(sts.spec.template.metadata.labels[k], v);
        const anti = sts.spec.template.spec.affinity.podAntiAffinity;
        assert.deepStrictEqual(anti.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels, sentinelLabels);
        assert.strictEqual(anti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
        assert.strictEqual(
            anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
            "topology.kubernetes.io/zone",
        );
        const [sentinel, exporter] = sts.spec.template.spec.containers;
        assert.deepStrictEqual(sentinel.ports, [{ name: "sentinel", containerPort: 26379, protocol: "TCP" }]);
        assert.strictEqual(exporter.env.find((e: any) => e.name === "REDIS_ADDR").value, "redis://$(POD_IP):26379");
        const env = Object.fromEntries(sentinel.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        assert.deepStrictEqual([env.QUORUM, env.DOWN_AFTER_MS, env.FAILOVER_TIMEOUT_MS, env.MASTER_NAME], ["2", "5000", "60000", "cache"]);
        assert.strictEqual(
            env.SENTINEL_HOSTS,
            [0, 1, 2].map((i) => `cache-sentinel-${i}.cache-sentinel-headless.$(POD_NAMESPACE).svc.cluster.local`).join(" "),
        );
        assert.ok(
            !JSON.stringify(sts).includes("[secret]"),
            "the password reaches the Sentinels only as a mounted Secret and a secretKeyRef",
        );
    });

    it("gives the Sentinels their own users: default off, clients may only ask, the exporter its own read-only user", () => {
        const acl: string = find("ConfigMap", "cache-sentinel-config").data["users.acl"];
        const users = Object.fromEntries(
            acl
                .trim()
                .split("\n")
                .map((l) => {
                    const [u, of, ...rules] = l.split(" ");
                    return [u, { of, rules }];
                }),
        );
        assert.deepStrictEqual(Object.keys(users), ["admin", "app", "exporter", "sentinel", "default"]);
        // Each user takes its own Secret key's passwords; default none, and it is off.
        for (const u of ["admin", "app", "exporter", "sentinel"]) assert.strictEqual(users[u].of, u);
        assert.deepStrictEqual([users.default.of, users.default.rules[0]], ["-", "off"]);
        assert.ok(!/[>#]/.test(acl), "a password or hash in the rules");
        // Only admin may administer; no one else may PUBLISH but the peers, on the hello channel alone.
        for (const u of ["app", "exporter", "sentinel"]) {
            assert.ok(
                users[u].rules.includes("-@all") &&
                    !users[u].rules.some((r: string) => /^\+@|^\+sentinel$|^\+acl|^\+shutdown|set$|failover|config/.test(r)),
                `${u}: ${users[u].rules.join(" ")}`,
            );
        }
        assert.deepStrictEqual(
            ["app", "exporter", "sentinel"].filter((u) => users[u].rules.includes("+publish")),
            ["sentinel"],
        );
        assert.ok(users.sentinel.rules.includes("&__sentinel__:hello") && !users.sentinel.rules.includes("&*"));
        for (const q of ["get-master-addr-by-name", "masters", "sentinels", "replicas"])
            assert.ok(users.app.rules.includes(`+sentinel|${q}`), q);

        const sts = find("StatefulSet", "cache-sentinel");
        const [sentinel, exporter] = sts.spec.template.spec.containers;
        const env = Object.fromEntries(sentinel.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        assert.deepStrictEqual([env.SENTINEL_USER, env.PEER_USER, env.ACL_PORT], ["admin", "sentinel", "26379"]);
        assert.deepStrictEqual(
            [env.SENTINEL_PASSWORD_FILE, env.PEER_PASSWORD_FILE],
            ["/etc/redis-auth/admin-password", "/etc/redis-auth/sentinel-password"],
        );
        const exporterEnv = Object.fromEntries(exporter.env.map((e: any) => [e.name, e.value ?? e.valueFrom?.secretKeyRef?.key]));
        // The exporter's password reaches it only through the map its init container writes (never REDIS_PASSWORD).
        assert.deepStrictEqual(
            [exporterEnv.REDIS_USER, exporterEnv.REDIS_PASSWORD, exporterEnv.REDIS_EXPORTER_CONFIG_COMMAND],
            ["exporter", undefined, "-"],
        );
        const auth = sts.spec.template.spec.initContainers.find((c: any) => c.name === "exporter-auth");
        const authEnv = Object.fromEntries(auth.env.map((e: any) => [e.name, e.value]));
        assert.deepStrictEqual(
            [authEnv.REDIS_USER, authEnv.EXPORTER_PASSWORD_FILE, authEnv.PASSWORD_MAP_FILE],
            ["exporter", "/etc/redis-auth/exporter-password", exporterEnv.REDIS_PASSWORD_FILE],
        );
    });

    it("with profile production, keeps the Sentinels on separate nodes even where the Redis pods only prefer it, unless told otherwise (with a warning)", () => {
        const hostTerms = (spec: ReturnType<typeof resolveSpec>) => {
            const anti = (buildAllObjects(spec, "x") as any[]).find(
                (o) => o.kind === "StatefulSet" && o.metadata.name === "redis-cluster-sentinel",
            ).spec.template.spec.affinity.podAntiAffinity;
            const host = (terms: any[] | undefined, pick: (t: any) => any) =>
                (terms ?? []).map(pick).filter((t) => t.topologyKey === "kubernetes.io/hostname");
            return {
                required: host(anti.requiredDuringSchedulingIgnoredDuringExecution, (t) => t).length,
                preferred: host(anti.preferredDuringSchedulingIgnoredDuringExecution, (t) => t.podAffinityTerm).length,
            };
        };
        const loose = resolveSpec({ profile: "production", topology: "sentinel", scheduling: { hostAntiAffinity: "preferred" } });
        assert.deepStrictEqual(hostTerms(loose), { required: 1, preferred: 0 });
        assert.deepStrictEqual(loose.warnings, []);
        const laptop = resolveSpec({ topology: "sentinel", sentinel: { hostAntiAffinity: "preferred" } });
        assert.deepStrictEqual(hostTerms(laptop), { required: 0, preferred: 1 });
        assert.deepStrictEqual(
            laptop.warnings.map((w) => [w.key, w.value]),
            [["sentinel.hostAntiAffinity", "preferred"]],
        );
        assert.throws(
            () => resolveSpec({ topology: "sentinel", sentinel: { hostAntiAffinity: "none" } }),
            /sentinel\.hostAntiAffinity: got "none"; one of "required", "preferred"/,
        );
    });

    it("tracks pods by their DNS names: Sentinel resolves and announces names, each pod announces its own", () => {
        const conf = find("ConfigMap", "cache-sentinel-config").data["sentinel.conf"];
        assert.match(conf, /^sentinel resolve-hostnames yes$/m);
        assert.match(conf, /^sentinel announce-hostnames yes$/m);
        const announced = (sts: string) =>
            find("StatefulSet", sts).spec.template.spec.containers[0].env.find((e: any) => e.name === "ANNOUNCE_HOSTNAME").value;
        assert.strictEqual(announced("cache-sentinel"), "$(POD_NAME).cache-sentinel-headless.$(POD_NAMESPACE).svc.cluster.local");
        assert.strictEqual(announced("cache"), "$(POD_NAME).cache-headless.$(POD_NAMESPACE).svc.cluster.local");
        assert.match(find("ConfigMap", "cache-scripts").data["redis-start.sh"], /echo "replica-announce-ip \$ANNOUNCE_HOSTNAME"/);
    });

    it("gives clients a Sentinel Service, the Sentinels a headless one, and drains one Sentinel at a time", () => {
        const svc = find("Service", "cache-sentinel");
        assert.deepStrictEqual(svc.spec.selector, sentinelLabels);
        assert.deepStrictEqual(
            svc.spec.ports.map((p: any) => [p.name, p.port]),
            [
                ["sentinel", 26379],
                ["metrics", 9121],
            ],
        );
        const headless = find("Service", "cache-sentinel-headless");
        assert.strictEqual(headless.spec.clusterIP, "None");
        assert.strictEqual(headless.spec.publishNotReadyAddresses, true);
        assert.deepStrictEqual(find("PodDisruptionBudget", "cache-sentinel").spec, {
            maxUnavailable: 1,
            selector: { matchLabels: sentinelLabels },
        });
        assert.ok(find("ServiceMonitor", "cache-sentinel").spec.selector.matchLabels["app.kubernetes.io/name"] === "redis-sentinel");
    });

    it("keeps the Redis pods' selector, drops the cluster bus, and tells the Redis pods where the Sentinels are", () => {
        const redis = find("StatefulSet", "cache");
        assert.deepStrictEqual(redis.spec.selector.matchLabels, {
            "app.kubernetes.io/name": "redis",
            "app.kubernetes.io/instance": "cache",
        });
        assert.strictEqual(redis.spec.replicas, 3);
        const c = redis.spec.template.spec.containers[0];
        assert.deepStrictEqual(
            c.ports.map((p: any) => p.name),
            ["redis"],
        );
        assert.ok(c.env.some((e: any) => e.name === "SENTINEL_HOSTS"));
        assert.deepStrictEqual(
            find("Service", "cache-headless").spec.ports.map((p: any) => p.name),
            ["redis"],
        );
        assert.doesNotMatch(find("ConfigMap", "cache-config").data["redis.conf"], /cluster-enabled/);
        assert.ok(find("ConfigMap", "cache-scripts").data["sentinel-start.sh"]);
        assert.ok(!resolveSpec({}).sentinel && !buildAllObjects(resolveSpec({}), "x").some((o) => o.metadata.name.includes("sentinel")));
    });
});
