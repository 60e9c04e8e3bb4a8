@testable import Invoicing
import Testing

@Suite("Configuration validation")
struct ConfigurationValidatorTests {
    @Test("known sections pass; unknown keys and wrong types are reported with lines")
    func reportsProblems() {
        let yaml = """
            kafka:
              brokers: "localhost:9092"
              group_id: aura-billing
              topics: { audit: aura.audit, gateway: aura.gateway }
              properties: { fetch.min.bytes: 1 }
            checkpoint:
              interval_seconds: 0
            periods:
              grace_hours: 6
              auto_close: maybe
            tariffs:
              path: deploy/tariffs.yaml
            log:
              level: loud
            telemetry: {}
            """
        let report = ConfigurationValidator().validate(yaml: yaml, file: "aura.yaml")
        let described = report.problems.map(\.description)
        #expect(described.contains { $0.hasPrefix("aura.yaml:7:") && $0.contains("interval_seconds") })
        #expect(described.contains { $0.hasPrefix("aura.yaml:10:") && $0.contains("auto_close") })
        #expect(described.contains { $0.hasPrefix("aura.yaml:14:") && $0.contains("log.level") })
        #expect(described.contains { $0.hasPrefix("aura.yaml:15:") && $0.contains("unknown key 'telemetry'") })
        #expect(report.problems.count == 4, "\(described)")
        #expect(report.tariffsPath == "deploy/tariffs.yaml")
    }

    @Test("YAML syntax errors carry a line")
    func syntax() {
        let report = ConfigurationValidator().validate(yaml: "kafka:\n  brokers: [a, b\nstate: x\n", file: "c.yaml")
        #expect(report.problems.count == 1)
        #expect((report.problems.first?.line ?? 0) > 0)
    }
}
