#!/usr/bin/env node
// A cluster client with ioredis: seeds from REDIS_SEEDS ("host:port,host:port", the component's
// `seedAddresses` output or local mode's "seeds"), user from REDIS_USER (`app`, the `username`
// output), password from REDIS_PASSWORD (the Secret's `app-password` key, the `password` output).
// Writes COUNT keys under a prefix, which land on every shard, reads them back, counts the keys
// another client wrote under CHECK_PREFIX, and prints one JSON line.
// TLS (`tls.enabled`): REDIS_CA_FILE names the CA (the TLS Secret's `ca.crt`), and the seeds are
// pod names the certificate covers (`seedAddresses`; local mode prints names when TLS is on).
//   REDIS_SEEDS=127.0.0.11:6379 REDIS_USER=app REDIS_PASSWORD=... node ioredis-cluster.js [prefix] [count] [check-prefix]
//   REDIS_SEEDS=redis-cluster-0.redis-cluster-headless.redis-system.svc.cluster.local:6379 REDIS_CA_FILE=ca.crt ... node ioredis-cluster.js
const fs = require("fs");
const { Cluster } = require("ioredis");

/**
 * TLS options when REDIS_CA_FILE is set. Node checks that the certificate names the host it
 * connects to (checkServerIdentity, on by default); the nodes announce their DNS names, which
 * the certificate covers. ioredis resolves seed names to IPs before connecting unless dnsLookup
 * keeps them, and an IP is not on the certificate.
 */
function tlsOptions() {
    const caFile = process.env.REDIS_CA_FILE;
    if (!caFile) return { clusterOptions: {}, redisOptions: {} };
    return {
        clusterOptions: { dnsLookup: (address, callback) => callback(null, address) },
        redisOptions: { tls: { ca: fs.readFileSync(caFile) } },
    };
}

async function main() {
    const [prefix = "ioredis", count = "1000", checkPrefix] = process.argv.slice(2);
    const seeds = process.env.REDIS_SEEDS.split(",").map((s) => {
        const [host, port] = s.split(":");
        return { host, port: Number(port) };
    });
    const tls = tlsOptions();
    const cluster = new Cluster(seeds, {
        ...tls.clusterOptions,
        redisOptions: { password: process.env.REDIS_PASSWORD, username: process.env.REDIS_USER || undefined, ...tls.redisOptions },
        // The cluster answers MOVED during a failover; retry instead of failing the command.
        maxRedirections: 16,
        retryDelayOnFailover: 200,
        // No enableAutoPipelining: ioredis then batches commands for many slots, and when a
        // handover answers such a batch with MOVED replies for different slots it passes them to
        // the application instead of following them (docs/performance.md, planned handover).
    });
    try {
        const n = Number(count);
        // The writes go out at once, each on its node's connection (a manual pipeline must stay on one node).
        await Promise.all(Array.from({ length: n }, (_, i) => cluster.set(`${prefix}:${i}`, `value-${i}`)));
        let readBack = 0;
        for (let i = 0; i < n; i++) if ((await cluster.get(`${prefix}:${i}`)) === `value-${i}`) readBack++;
        let checked = null;
        if (checkPrefix) {
            checked = 0;
            for (let i = 0; i < n; i++) if ((await cluster.get(`${checkPrefix}:${i}`)) === `value-${i}`) checked++;
        }
        const masters = cluster.nodes("master");
        const perMaster = await Promise.all(masters.map((m) => m.dbsize()));
        console.log(
            JSON.stringify({ client: "ioredis", written: n, readBack, checked, masters: masters.length, keysPerMaster: perMaster }),
        );
    } finally {
        cluster.disconnect();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
