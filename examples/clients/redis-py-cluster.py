#!/usr/bin/python3
"""A cluster client with redis-py (redis.cluster.RedisCluster, redis-py 4.1 or later).

Seeds from REDIS_SEEDS ("host:port,host:port", the component's `seedAddresses` output or local
mode's "seeds"), user from REDIS_USER (`app`), password from REDIS_PASSWORD (the Secret's `app-password` key). Writes COUNT keys
under a prefix, which land on every shard, reads them back, counts the keys another client wrote
under CHECK_PREFIX, and prints one JSON line.

  REDIS_SEEDS=127.0.0.11:6379 REDIS_USER=app REDIS_PASSWORD=... python3 redis-py-cluster.py [prefix] [count] [check-prefix]

TLS (`tls.enabled`): REDIS_CA_FILE names the CA (the TLS Secret's `ca.crt`); the client verifies
each node's certificate and that it names the host connected to (ssl_check_hostname). The nodes
announce their DNS names, which the certificate covers; seed with pod names too (`seedAddresses`).
"""
import json
import os
import sys

from redis.cluster import ClusterNode, RedisCluster


def main() -> None:
    prefix = sys.argv[1] if len(sys.argv) > 1 else "redis-py"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    check_prefix = sys.argv[3] if len(sys.argv) > 3 else None
    seeds = [ClusterNode(host, int(port)) for host, port in
             (s.rsplit(":", 1) for s in os.environ["REDIS_SEEDS"].split(","))]
    ca_file = os.environ.get("REDIS_CA_FILE")
    tls = {"ssl": True, "ssl_ca_certs": ca_file, "ssl_check_hostname": True} if ca_file else {}
    # reinitialize_steps=0: after a failover, learn each moved slot from its MOVED reply instead of
    # re-reading the whole slot map every 10th MOVED (redis-py builds a 16384-entry table in Python:
    # ~40 ms of CPU, and every write waits for it; docs/performance.md, "Rolling upgrade time").
    # Connection errors and CLUSTERDOWN still re-read the map.
    client = RedisCluster(startup_nodes=seeds, password=os.environ.get("REDIS_PASSWORD"),
                          username=os.environ.get("REDIS_USER") or None, decode_responses=True,
                          reinitialize_steps=0, **tls)
    try:
        for i in range(count):
            client.set(f"{prefix}:{i}", f"value-{i}")
        read_back = sum(1 for i in range(count) if client.get(f"{prefix}:{i}") == f"value-{i}")
        checked = None
        if check_prefix:
            checked = sum(1 for i in range(count) if client.get(f"{check_prefix}:{i}") == f"value-{i}")
        masters = client.get_primaries()
        per_master = [client.dbsize(target_nodes=m) for m in masters]
        print(json.dumps({"client": "redis-py", "written": count, "readBack": read_back, "checked": checked,
                          "masters": len(masters), "keysPerMaster": per_master}))
    finally:
        client.close()


if __name__ == "__main__":
    main()
