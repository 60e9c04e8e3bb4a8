/// Every key of the daemon's configuration, declared once (docs/spec.md §11). The reader takes its
/// defaults from here, `validate-config` checks files against `all`, and tests hold
/// deploy/config.yaml and the table of deploy/ENVIRONMENT.md to it.
package enum ConfigurationKeys {
    private static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    // MARK: kafka
    static let kafkaBrokers = ConfigurationKey(
        "kafka.brokers", .string, .required, "bootstrap brokers, host:port[,host:port...]")
    static let kafkaGroupID = ConfigurationKey("kafka.group_id", .string, .defaulted("aura-billing"), "consumer group")
    static let kafkaAuditTopic = ConfigurationKey(
        "kafka.topics.audit", .string, .defaulted("Aura_Audit"), "Aura_Audit topic")
    static let kafkaGatewayTopic = ConfigurationKey(
        "kafka.topics.gateway", .string, .defaulted("Aura_Gateway_Message"), "Aura_Gateway_Message topic")
    static let kafkaSecurityProtocol = ConfigurationKey(
        "kafka.security.protocol", .choice(["PLAINTEXT", "SASL_SSL"], caseSensitive: false), .defaulted("PLAINTEXT"),
        "PLAINTEXT or SASL_SSL (OAUTHBEARER)")
    static let kafkaOAuthTokenEndpoint = ConfigurationKey(
        "kafka.security.oauth.token_endpoint", .string, .optional, "OAuth2 token endpoint (SASL_SSL)")
    static let kafkaOAuthClientID = ConfigurationKey(
        "kafka.security.oauth.client_id", .string, .optional, "OAuth2 client id")
    static let kafkaOAuthClientSecretFile = ConfigurationKey(
        "kafka.security.oauth.client_secret_file", .string, .optional, "file with the OAuth2 client secret")
    static let kafkaOAuthScope = ConfigurationKey("kafka.security.oauth.scope", .string, .optional, "OAuth2 scope(s)")
    /// Set from the environment as one variable, `KAFKA_PROPERTIES="name=value,name2=value2"`.
    static let kafkaProperties = ConfigurationKey(
        "kafka.properties", .map(entry: "name", integerKeys: false), .optional, "librdkafka pass-through properties")

    // MARK: schemas
    static let schemasRegistryURL = ConfigurationKey(
        "schemas.registry_url", .string, .optional, "schema registry base URL")
    static let schemasFiles = ConfigurationKey(
        "schemas.files", .map(entry: "id", integerKeys: true), .optional, environment: false,
        "local writer schema (.avsc) per schema id, when there is no registry")
    static let schemasUnknownIDGraceSeconds = ConfigurationKey(
        "schemas.unknown_id_grace_seconds", .integer(minimum: 0), .defaulted("60"),
        "a registry 404 this soon after the registry failed is retried, not quarantined")

    // MARK: state, checkpoint, periods
    static let stateDir = ConfigurationKey("state.dir", .string, .required, "checkpoints")
    static let stateChangelogTopic = ConfigurationKey(
        "state.changelog_topic", .string, .optional, "scale-out: Kafka topic holding every partition's state")
    static let stateCloseTopic = ConfigurationKey(
        "state.close_topic", .string, .optional, "scale-out: close requests and done notes")
    static let stateChangelogPartitions = ConfigurationKey(
        "state.changelog_partitions", .integer(minimum: 2), .defaulted("64"),
        "partitions of the changelog topic the daemon creates")
    static let checkpointIntervalSeconds = ConfigurationKey(
        "checkpoint.interval_seconds", .integer(minimum: 1), .defaulted("10"), "checkpoint period (seconds)")
    static let checkpointIntervalEvents = ConfigurationKey(
        "checkpoint.interval_events", .integer(minimum: 1), .defaulted("500000"), "checkpoint after this many events")
    static let periodsGraceHours = ConfigurationKey(
        "periods.grace_hours", .integer(minimum: 0), .defaulted("72"),
        "hours after a period's end before it is ready to close")
    static let periodsAutoClose = ConfigurationKey(
        "periods.auto_close", .boolean, .defaulted("false"), "close ready periods automatically")
    static let periodsAutoCloseCheckSeconds = ConfigurationKey(
        "periods.auto_close_check_seconds", .integer(minimum: 1), .defaulted("30"),
        "how often auto-close looks for ready periods")
    static let periodsLateHorizonDays = ConfigurationKey(
        "periods.late_horizon_days", .integer(minimum: 0), .defaulted("35"),
        "days after a closed period's end it still takes late events; then its dedup keys are dropped (0: never)")
    static let periodsPinnedClosedAt = ConfigurationKey(
        "periods.pinned_closed_at", .instant, .optional,
        "tests and reruns only: the \"closed at\" instant of every new close")

    // MARK: limits
    static let limitsMaxRowsPerPartition = ConfigurationKey(
        "limits.max_rows_per_partition", .integer(minimum: 1), .defaulted("1000000"),
        "distinct aggregate rows per partition state; events needing more are quarantined (too-many-rows)")

    // MARK: files
    static let tariffsPath = ConfigurationKey("tariffs.path", .string, .optional, "tariff catalog file or directory")
    static let dimensionsDir = ConfigurationKey(
        "dimensions.dir", .string, .optional, "directory of D_*.avro dimension snapshots")
    static let invoicesDir = ConfigurationKey(
        "invoices.dir", .string, .derived("<state.dir>/invoices"), "invoice workbooks and manifests")

    // MARK: delivery
    static let deliveryKind = ConfigurationKey(
        "delivery.kind", .choice(["directory", "azure"], caseSensitive: true), .defaulted("directory"),
        "directory or azure")
    static let deliveryAzureAccount = ConfigurationKey("delivery.azure.account", .string, .optional, "storage account")
    static let deliveryAzureContainer = ConfigurationKey(
        "delivery.azure.container", .string, .optional, "blob container")
    static let deliveryAzureEndpoint = ConfigurationKey(
        "delivery.azure.endpoint", .string, .optional, "endpoint override (Azurite, sovereign clouds)")
    static let deliveryAzureSASTokenFile = ConfigurationKey(
        "delivery.azure.sas_token_file", .string, .optional, "file with the SAS token")
    static let deliveryAzureSharedKeyFile = ConfigurationKey(
        "delivery.azure.shared_key_file", .string, .optional, "file with the storage account's shared key")
    static let deliveryRetries = ConfigurationKey(
        "delivery.retries", .integer(minimum: 0), .defaulted("5"), "upload attempts, exponential backoff between them")

    // MARK: invoice events (docs/events.md)
    static let eventsTopic = ConfigurationKey(
        "events.topic", .string, .optional, "Kafka topic of the InvoiceClosed events (Avro, Confluent-framed)")
    static let eventsSchemaID = ConfigurationKey(
        "events.schema_id", .integer(minimum: 0), .optional,
        "schema id of deploy/schemas/InvoiceClosed.avsc in the Confluent frame (with events.topic)")
    static let eventsWebhookURL = ConfigurationKey(
        "events.webhook_url", .string, .optional, "http(s) URL the InvoiceClosed events are POSTed to as JSON")
    static let eventsWebhookSecretFile = ConfigurationKey(
        "events.webhook_secret_file", .string, .optional,
        "file with the HMAC-SHA256 secret of the X-Aura-Signature header (with events.webhook_url)")
    static let eventsRetryInitialSeconds = ConfigurationKey(
        "events.retry_initial_seconds", .integer(minimum: 1), .defaulted("5"),
        "wait after a failed event send; doubles after each failure")
    static let eventsRetryMaxSeconds = ConfigurationKey(
        "events.retry_max_seconds", .integer(minimum: 1), .defaulted("600"), "longest wait between event sends")
    static let eventsSentRetentionDays = ConfigurationKey(
        "events.sent_retention_days", .integer(minimum: 1), .defaulted("90"),
        "days after a period's end its sent events are kept in the outbox (at least periods.late_horizon_days)")

    // MARK: quarantine, endpoints, logging
    static let quarantineFile = ConfigurationKey(
        "quarantine.file", .string, .optional, "local quarantine file (JSON lines)")
    static let quarantineTopic = ConfigurationKey("quarantine.topic", .string, .optional, "dead-letter topic")
    static let quarantineMaxBacklogMiB = ConfigurationKey(
        "quarantine.max_backlog_mib", .integer(minimum: 1), .defaulted("64"),
        "quarantine records held in memory while the file is unwritable before every partition pauses")
    static let quarantineMaxFileBytes = ConfigurationKey(
        "quarantine.max_file_bytes", .integer(minimum: 4096), .defaulted("67108864"),
        "rotate the quarantine file past this size (quarantine.jsonl → quarantine.jsonl.<n>)")
    static let quarantineMaxFiles = ConfigurationKey(
        "quarantine.max_files", .integer(minimum: 2), .defaulted("16"),
        "quarantine segments kept; past it only fully requeued segments are deleted")
    static let quarantineMaxValueBytes = ConfigurationKey(
        "quarantine.max_value_bytes", .integer(minimum: 1024), .defaulted("1048576"),
        "longer values are stored truncated, with their length and SHA-256")
    static let httpAddress = ConfigurationKey(
        "http.address", .string, .defaulted("127.0.0.1:9464"),
        "host:port of /metrics, /healthz, /readyz and /admin/close")
    static let adminTokenFile = ConfigurationKey(
        "admin.token_file", .string, .optional, "bearer token file of POST /admin/close")
    static let logLevel = ConfigurationKey(
        "log.level", .choice(logLevels, caseSensitive: true), .defaulted("info"), "swift-log level")

    /// Every key, in the order of deploy/config.yaml.
    package static let all: [ConfigurationKey] = [
        kafkaBrokers, kafkaGroupID, kafkaAuditTopic, kafkaGatewayTopic, kafkaSecurityProtocol,
        kafkaOAuthTokenEndpoint, kafkaOAuthClientID, kafkaOAuthClientSecretFile, kafkaOAuthScope, kafkaProperties,
        schemasRegistryURL, schemasFiles, schemasUnknownIDGraceSeconds,
        stateDir, stateChangelogTopic, stateCloseTopic, stateChangelogPartitions,
        checkpointIntervalSeconds, checkpointIntervalEvents,
        periodsGraceHours, periodsAutoClose, periodsAutoCloseCheckSeconds, periodsLateHorizonDays,
        periodsPinnedClosedAt, limitsMaxRowsPerPartition,
        tariffsPath, dimensionsDir, invoicesDir,
        deliveryKind, deliveryAzureAccount, deliveryAzureContainer, deliveryAzureEndpoint,
        deliveryAzureSASTokenFile, deliveryAzureSharedKeyFile, deliveryRetries,
        eventsTopic, eventsSchemaID, eventsWebhookURL, eventsWebhookSecretFile, eventsRetryInitialSeconds,
        eventsRetryMaxSeconds, eventsSentRetentionDays,
        quarantineFile, quarantineTopic, quarantineMaxBacklogMiB, quarantineMaxFileBytes, quarantineMaxFiles,
        quarantineMaxValueBytes, httpAddress, adminTokenFile, logLevel,
    ]
}
