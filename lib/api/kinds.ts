// The kinds of targets, rules and channels the API accepts, as plain lists that import nothing: the
// schemas that validate each kind are keyed by these (check-settings.ts, rule-params.ts, lib/channels), and the
// dashboard offers them when it cannot read the OpenAPI document (web/src/lib/kinds.ts), so neither can drift.

/** Active checks: each a target kind with a settings block named after it (`{"kind":"tcp","tcp":{…}}`). */
export const CHECK_KINDS = ['http', 'tcp', 'dns', 'ping', 'tls', 'websocket', 'grpc', 'postgres', 'mysql', 'redis', 'mqtt', 'amqp', 'nats', 'scrape'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const TARGET_KINDS = ['heartbeat', ...CHECK_KINDS, 'metric', 'log'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const RULE_KINDS = ['heartbeat', 'http', 'threshold', 'anomaly', 'log_pattern', 'promql'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Notification channels, each with a driver in lib/channels/kinds/. */
export const CHANNEL_KINDS = ['webhook', 'telegram', 'slack', 'email', 'pagerduty', 'opsgenie', 'discord', 'msteams', 'mattermost', 'ntfy', 'pushover', 'gotify', 'matrix', 'alertmanager'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
