/// The one error type of the daemon module: configuration, quarantine, checkpoint, close, HTTP
/// and lifecycle faults (the Kafka bridge's own faults are `KafkaError`).
package struct DaemonError: Error, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        package static let kafkaConsume = Code("kafka-consume")
        package static let usage = Code("usage")
        package static let configuration = Code("configuration")
        package static let quarantine = Code("quarantine")
        package static let checkpoint = Code("checkpoint")
        package static let close = Code("close")
        /// An `InvoiceClosed` event could not be stored or sent (`Events/`).
        package static let event = Code("event")
        /// The daemon is not ready (`DaemonStatus.notReadyReasons()`): a close was not run.
        package static let notReady = Code("not-ready")
        /// What a request names does not exist (an unknown OB or period): answered 404.
        package static let notFound = Code("not-found")
    }

    package var code: Code
    package var message: String
    /// Where the fault came from: a configuration key, a topic/partition, a file.
    package var source: String?

    package init(_ code: Code, _ message: String, source: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
    }

    package var description: String {
        var text = "\(code): \(message)"
        if let source { text += " (\(source))" }
        return text
    }
}
