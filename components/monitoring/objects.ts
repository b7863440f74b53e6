// The Prometheus Operator objects and the dashboard ConfigMap. The exporter sidecar itself is part
// of the StatefulSet and runs in every stack; these switch off where no Operator is installed.
import { readPackageFile } from "../package-files";
import type { ClusterSpec } from "../settings/spec";
import { KubeObject, meta } from "../kubernetes/object";
import { buildAlertRules } from "./alerts";

export const DASHBOARD_FILE = "redis-cluster.json";

export function loadDashboard(): string {
    return readPackageFile("components", "monitoring", "dashboard.json");
}

export function buildServiceMonitor(spec: ClusterSpec): KubeObject {
    const sm = spec.settings.monitoring.serviceMonitor;
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta(spec, spec.names.clientService, "metrics", sm.labels),
        spec: {
            selector: { matchLabels: { ...spec.selectorLabels, "app.kubernetes.io/component": "redis" } },
            namespaceSelector: { matchNames: [spec.names.namespace] },
            endpoints: [{ port: "metrics", interval: sm.interval, path: "/metrics" }],
        },
    };
}

/** The Sentinels' exporters (sentinel topology): quorum and the master's health as seen by each Sentinel. */
export function buildSentinelServiceMonitor(spec: ClusterSpec): KubeObject[] {
    const s = spec.sentinel;
    if (!s) return [];
    const sm = spec.settings.monitoring.serviceMonitor;
    return [
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: meta(spec, s.names.service, "metrics", { ...s.commonLabels, "app.kubernetes.io/component": "metrics", ...sm.labels }),
            spec: {
                selector: { matchLabels: s.selectorLabels },
                namespaceSelector: { matchNames: [spec.names.namespace] },
                endpoints: [{ port: "metrics", interval: sm.interval, path: "/metrics" }],
            },
        },
    ];
}

export function buildPrometheusRule(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: meta(spec, spec.names.statefulSet, "metrics", spec.settings.monitoring.prometheusRule.labels),
        spec: { groups: buildAlertRules(spec) },
    };
}

export function buildDashboardConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(spec, `${spec.names.statefulSet}-dashboard`, "metrics", spec.settings.monitoring.dashboard.labels),
        data: { [DASHBOARD_FILE]: loadDashboard() },
    };
}

/** The monitoring objects this stack asks for. */
export function buildMonitoringObjects(spec: ClusterSpec): KubeObject[] {
    const m = spec.settings.monitoring;
    return [
        ...(m.serviceMonitor.enabled ? [buildServiceMonitor(spec), ...buildSentinelServiceMonitor(spec)] : []),
        ...(m.prometheusRule.enabled ? [buildPrometheusRule(spec)] : []),
        ...(m.dashboard.enabled ? [buildDashboardConfigMap(spec)] : []),
    ];
}
