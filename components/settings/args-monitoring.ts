// RedisClusterArgs (args.ts), monitoring: the exporter, ServiceMonitor, PrometheusRule and dashboard.

export interface ServiceMonitorArgs {
    /** Create a Prometheus Operator ServiceMonitor (its CRD must be installed). Default: `false`. */
    enabled?: boolean;
    /** Extra labels so the Prometheus instance selects it (e.g. `{release: "kube-prometheus-stack"}`). Default: `{}`. */
    labels?: Record<string, string>;
    /** Scrape interval. Default: `"30s"`. */
    interval?: string;
}

export interface AlertThresholdsArgs {
    /** Warn when used memory exceeds this percentage of maxmemory. Default: `90`. */
    memoryPercent?: number;
    /** Warn when a replica lags its master by more than this many seconds. Default: `30`. */
    replicationLagSeconds?: number;
    /** Inform when connected clients exceed this percentage of maxclients. Default: `80`. */
    connectionsPercent?: number;
    /** Inform when the slow log grows by more than this many entries in 5 minutes. Default: `10`. */
    slowlogEntries?: number;
}

export interface AlertForArgs {
    /** How long a critical condition must hold before it fires. Default: `"1m"`. */
    critical?: string;
    /** How long a warning condition must hold. Default: `"5m"`. */
    warning?: string;
    /** How long an info condition must hold. Default: `"15m"`. */
    info?: string;
}

export interface PrometheusRuleArgs {
    /** Create a PrometheusRule with the alerts (the Prometheus Operator's CRD must be installed). Default: `false`. */
    enabled?: boolean;
    /** Extra labels so the Prometheus instance selects it. Default: `{}`. */
    labels?: Record<string, string>;
    /** Alert thresholds. */
    thresholds?: AlertThresholdsArgs;
    /** The `for` of the alerts, by severity. */
    forDurations?: AlertForArgs;
    /** Where the runbooks live; each alert links to its section. Default: `"https://github.com/llm-analytics-hub/redis-cluster/blob/main/docs/runbooks.md"`. */
    runbookBaseUrl?: string;
}

export interface DashboardArgs {
    /** Ship the Grafana dashboard in a ConfigMap (for a Grafana sidecar that loads dashboards). Default: `false`. */
    enabled?: boolean;
    /** Labels the Grafana sidecar looks for. Default: `{grafana_dashboard: "1"}`. */
    labels?: Record<string, string>;
}

export interface MonitoringArgs {
    /** Exporter image (redis_exporter), pinned. The exporter sidecar runs in every stack. Default: `"oliver006/redis_exporter:v1.62.0"`. */
    exporterImage?: string;
    /** The ServiceMonitor (needs the Prometheus Operator). */
    serviceMonitor?: ServiceMonitorArgs;
    /** The PrometheusRule with the alerts (needs the Prometheus Operator). */
    prometheusRule?: PrometheusRuleArgs;
    /** The Grafana dashboard ConfigMap. */
    dashboard?: DashboardArgs;
}
