import Configuration
import KafkaBridge
import Logging

extension DaemonConfiguration.Events {
    /// `events.*`, with the rules between its keys checked (`problems`).
    init(reader config: ConfigReader, source: String) throws {
        typealias Keys = ConfigurationKeys
        let schemaID = config.int(forKey: ConfigKey(Keys.eventsSchemaID.path))
        self.init(
            topic: config.nonEmptyString(Keys.eventsTopic),
            schemaID: schemaID.flatMap { Int32(exactly: $0) },
            webhookURL: config.nonEmptyString(Keys.eventsWebhookURL),
            webhookSecretFile: config.nonEmptyString(Keys.eventsWebhookSecretFile),
            retryInitialSeconds: config.defaultedInt(Keys.eventsRetryInitialSeconds),
            retryMaxSeconds: config.defaultedInt(Keys.eventsRetryMaxSeconds),
            sentRetentionDays: config.defaultedInt(Keys.eventsSentRetentionDays))
        let problems = Self.problems(
            topic: topic, schemaID: schemaID, webhookURL: webhookURL, secretFile: webhookSecretFile,
            retryInitial: retryInitialSeconds, retryMax: retryMaxSeconds)
        if let first = problems.first { throw DaemonError(.configuration, first, source: source) }
    }

    /// The rules between the `events.*` keys, one message per broken rule (the daemon stops on
    /// the first; `validate-config` lists them all).
    static func problems(
        topic: String?, schemaID: Int?, webhookURL: String?, secretFile: String?, retryInitial: Int, retryMax: Int
    ) -> [String] {
        var problems: [String] = []
        if topic != nil && schemaID == nil {
            problems.append(
                "events.topic needs events.schema_id: the schema registry's id of deploy/schemas/InvoiceClosed.avsc")
        }
        if let schemaID, topic == nil {
            problems.append("events.schema_id (\(schemaID)) is set without events.topic")
        }
        if let schemaID, Int32(exactly: schemaID) == nil || schemaID < 0 {
            problems.append("events.schema_id must be between 0 and \(Int32.max), not \(schemaID)")
        }
        if let webhookURL {
            let lower = webhookURL.lowercased()
            if !lower.hasPrefix("http://") && !lower.hasPrefix("https://") {
                problems.append("events.webhook_url must be an http:// or https:// URL, not `\(webhookURL)`")
            }
            if secretFile == nil {
                problems.append("events.webhook_url needs events.webhook_secret_file (the X-Aura-Signature secret)")
            }
        }
        if retryMax < retryInitial {
            problems.append(
                "events.retry_max_seconds (\(retryMax)) must be at least events.retry_initial_seconds (\(retryInitial))"
            )
        }
        return problems
    }

    /// The back-off between failed sends.
    var retryPolicy: InvoiceBacklog.Policy {
        InvoiceBacklog.Policy(initial: .seconds(retryInitialSeconds), maximum: .seconds(retryMaxSeconds))
    }
}

extension DaemonConfiguration {
    /// The outbox of invoice events in `state.dir`, one copy per configured sink; nil without
    /// `events.topic` and `events.webhook_url`.
    func makeEventOutbox() -> InvoiceEventOutbox? {
        guard events.isEnabled else { return nil }
        var sinks: [String] = []
        if events.topic != nil { sinks.append("kafka") }
        if events.webhookURL != nil { sinks.append("webhook") }
        return InvoiceEventOutbox(stateDir: stateDir, sinks: sinks)
    }

    /// The configured sinks: reads the webhook secret and makes the events' producer
    /// (`acks=all`); throws a configuration error naming what is wrong.
    func makeEventSinks(tokens: OAuthTokenFetcher?, logger: Logger) throws -> [any InvoiceEventSink] {
        var sinks: [any InvoiceEventSink] = []
        if let topic = events.topic, let schemaID = events.schemaID {
            var properties = producerProperties
            properties["acks"] = "all"
            let producer = try KafkaProducer(properties: properties, tokenProvider: tokens, logger: logger)
            sinks.append(KafkaEventSink(topic: topic, schemaID: schemaID, producer: producer))
        }
        if let url = events.webhookURL, let secretFile = events.webhookSecretFile {
            sinks.append(try WebhookEventSink(url: url, secretFile: secretFile))
        }
        return sinks
    }
}
