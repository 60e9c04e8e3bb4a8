internal import CRdKafka
import Logging

/// Routes librdkafka's log lines into swift-log.
///
/// librdkafka calls the log callback from its own threads with the handle whose opaque
/// pointer is a `RDKafkaLog` box (retained by the owning client for the handle's lifetime).
final class RDKafkaLog: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Installs the callback on `conf`; `opaque` must point at the owning client's context.
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let text = message.map { String(cString: $0) } ?? ""
            let fac = facility.map { String(cString: $0) } ?? ""
            context.log.logger.log(
                level: RDKafkaLog.level(syslog: level),
                "\(text)",
                metadata: ["rdkafka.facility": .string(fac)]
            )
        }
    }

    /// Maps syslog levels (librdkafka's) to swift-log levels.
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}
