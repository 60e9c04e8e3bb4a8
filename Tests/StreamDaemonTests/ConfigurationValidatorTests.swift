import Foundation
import Invoicing
import Testing

@testable import StreamDaemon

/// `ConfigurationValidator` (behind `aura-billing validate-config`) checks files against the one
/// declaration of the keys, `ConfigurationKeys`.
@Suite("Configuration validation")
struct ConfigurationValidatorTests {
    /// The keys every valid file needs: the required ones and a schema source.
    static let minimal = """
        kafka:
          brokers: "localhost:9092"
        schemas:
          files: { 1: "schemas/Aura_Audit.avsc" }
        state:
          dir: /tmp/state

        """

    @Test("unknown keys, wrong types and bad choices are reported with file and line")
    func reportsProblems() {
        let yaml =
            Self.minimal + """
                checkpoint:
                  interval_seconds: 0
                periods:
                  grace_hours: 6
                  auto_close: maybe
                  grace_days: 3
                tariffs:
                  path: deploy/tariffs.yaml
                log:
                  level: loud
                telemetry: {}
                """
        let report = ConfigurationValidator().validate(yaml: yaml, file: "aura.yaml")
        let described = report.problems.map(\.description)
        #expect(
            described.contains {
                $0.hasPrefix("aura.yaml:8:") && $0.contains("checkpoint.interval_seconds must be a positive integer")
            })
        #expect(
            described.contains {
                $0.hasPrefix("aura.yaml:11:") && $0.contains("periods.auto_close must be true or false")
            })
        #expect(
            described.contains {
                $0.hasPrefix("aura.yaml:12:") && $0.contains("unknown key 'periods.grace_days'")
                    && $0.contains("grace_hours")
            })
        #expect(described.contains { $0.hasPrefix("aura.yaml:16:") && $0.contains("log.level must be one of trace") })
        #expect(described.contains { $0.hasPrefix("aura.yaml:17:") && $0.contains("unknown key 'telemetry'") })
        #expect(report.problems.count == 5, "\(described)")
        #expect(report.tariffsPath == "deploy/tariffs.yaml")
    }

    @Test("YAML syntax errors carry a line")
    func syntax() {
        let report = ConfigurationValidator().validate(yaml: "kafka:\n  brokers: [a, b\nstate: x\n", file: "c.yaml")
        #expect(report.problems.count == 1)
        #expect((report.problems.first?.line ?? 0) > 0)
    }

    @Test("a missing required key is reported unless its environment variable sets it")
    func missingRequired() {
        let yaml = "schemas: { registry_url: \"http://registry:8081\" }\nstate: { dir: /tmp/state }\n"
        let alone = ConfigurationValidator().validate(yaml: yaml, file: "c.yaml").problems.map(\.description)
        #expect(alone == ["c.yaml:0: missing required key 'kafka.brokers' (or set KAFKA_BROKERS)"])
        let withEnvironment = ConfigurationValidator(environment: ["KAFKA_BROKERS": "kafka:9092"]).validate(
            yaml: yaml, file: "c.yaml")
        #expect(withEnvironment.problems.isEmpty, "\(withEnvironment.problems)")
    }

    @Test("the scale-out, auto-close and pinned-close keys are known and checked")
    func keysTheOldListLacked() {
        let valid = """
            kafka: { brokers: "b:9092" }
            schemas: { registry_url: "http://registry:8081" }
            state: { dir: /tmp/state, changelog_topic: cl, close_topic: closes, changelog_partitions: 8 }
            periods: { auto_close_check_seconds: 5, pinned_closed_at: "2026-11-01T00:05:00Z" }
            """
        let report = ConfigurationValidator().validate(yaml: valid, file: "c.yaml")
        #expect(report.problems.isEmpty, "\(report.problems)")

        let invalid = Self.minimal + "periods: { auto_close_check_seconds: 0, pinned_closed_at: yesterday }\n"
        let problems = ConfigurationValidator().validate(yaml: invalid, file: "c.yaml").problems.map(\.message)
        #expect(
            problems.sorted() == [
                "periods.auto_close_check_seconds must be a positive integer",
                "periods.pinned_closed_at must be an ISO 8601 UTC instant like 2026-11-01T00:05:00Z",
            ])
    }

    @Test("schemas.files takes integer ids and kafka.properties scalars")
    func maps() {
        let yaml = """
            kafka: { brokers: "b:9092", properties: { fetch.min.bytes: 1, nested: { no: 1 } } }
            schemas: { files: { audit: "a.avsc" } }
            state: { dir: /tmp/state }
            """
        let problems = ConfigurationValidator().validate(yaml: yaml, file: "c.yaml").problems.map(\.message)
        #expect(
            problems.sorted() == [
                "kafka.properties must be a mapping of scalar values",
                "schemas.files must be a mapping of integer ids to scalar values",
            ])
    }

    @Test("every built-in default is a valid value of its own key")
    func defaultsAreValid() {
        var values: [String: String] = [
            "kafka.brokers": "\"b:9092\"", "state.dir": "/tmp/state", "schemas.registry_url": "\"http://r:8081\"",
        ]
        for key in ConfigurationKeys.all {
            if case .defaulted(let value) = key.requirement { values[key.path] = "\"\(value)\"" }
        }
        #expect(values["periods.grace_hours"] == "\"72\"" && values["periods.auto_close"] == "\"false\"")
        let report = ConfigurationValidator().validate(yaml: Self.nestedYAML(values), file: "defaults.yaml")
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test("the reader falls back to the declared defaults (grace 72 h, no auto-close)")
    func readerDefaults() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-config-\(UUID().uuidString).yaml")
        try Self.minimal.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try await DaemonConfiguration.load(path: file.path, environment: [:])
        #expect(config.graceHours == 72 && config.grace == .seconds(72 * 3600) && config.graceMs == 72 * 3_600_000)
        #expect(config.autoClose == false)
        #expect(
            config.autoCloseCheckSeconds == 30 && config.checkpointIntervalSeconds == 10
                && config.checkpointIntervalEvents == 500_000)
        #expect(config.changelogPartitions == 64 && config.delivery.retries == 5 && config.delivery.kind == .directory)
        #expect(config.kafka.groupID == "aura-billing" && config.kafka.auditTopic == "Aura_Audit")
        #expect(config.kafka.gatewayTopic == "Aura_Gateway_Message" && config.kafka.security.protocol == .plaintext)
        #expect(config.httpAddress == "127.0.0.1:9464" && config.logLevel == "info")
        #expect(config.invoicesDir == "/tmp/state/invoices" && config.pinnedClosedAtMs == nil)
        #expect(ConfigurationKeys.periodsGraceHours.defaultInteger == config.graceHours)
    }

    /// YAML text nesting `values` (dotted path → YAML scalar) by their paths' sections.
    static func nestedYAML(_ values: [String: String]) -> String {
        var lines: [String] = []
        var open: [Substring] = []
        for (path, value) in values.sorted(by: { $0.key < $1.key }) {
            let components = path.split(separator: ".")
            let sections = components.dropLast()
            let shared = zip(open, sections).prefix { $0 == $1 }.count
            for (depth, section) in sections.enumerated().dropFirst(shared) {
                lines.append(String(repeating: "  ", count: depth) + section + ":")
            }
            open = Array(sections)
            lines.append(
                String(repeating: "  ", count: sections.count) + components[components.count - 1] + ": " + value)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
