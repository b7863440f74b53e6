// The package's public face.
export { RedisCluster, RedisClusterResourceArgs, RESOURCE_TYPE } from "./redis-cluster";
export * from "./settings/args";
export type { KubeAccessArgs } from "./kube-target";
export { INPUT_SETTINGS } from "./inputs";
export { resolveSpec, checkArgs, ClusterSpec, PORTS, PATHS } from "./settings/spec";
export { ConfigError } from "./settings/errors";
export type { Problem } from "./settings/fields";
export type { Settings } from "./settings/schema";
export { buildAllObjects, buildRedisObjects, KubeObject } from "./kubernetes";
