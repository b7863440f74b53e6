#!/usr/bin/python3
"""A write soak with redis-py's RedisCluster (Debian's python3-redis), configured as the README's
client example (examples/clients/redis-py-cluster.py): the library's defaults but
reinitialize_steps=0 (SOAK_REINITIALIZE_STEPS=10 gives the library's default).

  REDIS_PASSWORD=... /usr/bin/python3 redis-py-soak.py <seed,seed> <user> <key,key,...>

Writes the keys in turn, one SET at a time, until SIGTERM; prints "ready" after the first
acknowledged write, then on exit one JSON line with the fields of bench/soak/recorder.ts.
"""
import json
import logging
import os
import re
import signal
import sys
import time

from redis.cluster import ClusterNode, RedisCluster

running = True


class Trace(logging.Handler):
    """What redis-py did, with the time: every exception it handled (it logs each one before it
    retries, sleeps or rebuilds its slot map) and every rebuild of the slot map."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.events = []
        self.counts = {}

    def emit(self, record):
        if record.levelno < logging.ERROR or record.getMessage().startswith("Executing"):
            return
        detail = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            kind = type(record.exc_info[1]).__name__
            self.counts[kind] = self.counts.get(kind, 0) + 1
            detail = f"{kind}: {record.exc_info[1]}"
        self.add(re.sub(r"\d+\.\d+\.\d+\.\d+:\d+", "<node>", detail)[:120])

    def add(self, what):
        self.events.append((now_ms(), what))
        del self.events[:-4000]

    def around(self, start, end):
        return [[t - start, e] for t, e in self.events if start - 50 <= t <= end + 50][:40]


def stop(*_):
    global running
    running = False


def now_ms() -> int:
    return int(time.time() * 1000)


def main() -> None:
    seeds, user, keys = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    signal.signal(signal.SIGTERM, stop)
    client = RedisCluster(startup_nodes=[ClusterNode(h, int(p)) for h, p in (s.rsplit(":", 1) for s in seeds.split(","))],
                          username=user or None, password=os.environ.get("REDIS_PASSWORD"), decode_responses=True,
                          reinitialize_steps=int(os.environ.get("SOAK_REINITIALIZE_STEPS", "0")))
    trace = Trace()
    logger = logging.getLogger("redis.cluster")
    logger.addHandler(trace)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    initialize = client.nodes_manager.initialize

    def traced_initialize():
        trace.add("slot map rebuild starts")
        try:
            initialize()
        finally:
            trace.add("slot map rebuild ends")

    client.nodes_manager.initialize = traced_initialize
    acknowledged, last_ack, errors = 0, 0, {}
    stall = {"ms": 0, "from": 0, "to": 0}
    slowest = {"ms": 0, "at": 0}
    i = 0
    while running:
        started = now_ms()
        try:
            client.set(keys[i % len(keys)], str(started))
            now = now_ms()
            if acknowledged == 0:
                print("ready", flush=True)
            elif now - last_ack > stall["ms"]:
                stall = {"ms": now - last_ack, "from": last_ack, "to": now}
            last_ack = now
            acknowledged += 1
        except Exception as e:  # the application sees it: count it, keep writing
            message = re.sub(r"\d+\.\d+\.\d+\.\d+:\d+", "<node>", f"{type(e).__name__}: {e}")
            errors[message] = errors.get(message, 0) + 1
        if now_ms() - started > slowest["ms"]:
            slowest = {"ms": now_ms() - started, "at": started}
        i += 1
    client.close()
    if acknowledged and now_ms() - last_ack > stall["ms"]:  # a stall still going on counts too
        stall = {"ms": now_ms() - last_ack, "from": last_ack, "to": now_ms()}
    print(json.dumps({"client": "redis-py", "acknowledged": acknowledged, "errors": errors,
                      "longestStallMs": stall["ms"], "stallFrom": stall["from"], "stallTo": stall["to"],
                      "slowestWriteMs": slowest["ms"], "slowestWriteAt": slowest["at"],
                      "stallTrace": trace.around(stall["from"], stall["to"]), "libraryErrors": trace.counts}), flush=True)


if __name__ == "__main__":
    main()
