import Aggregation
import Foundation
import Testing

@testable import StreamDaemon

/// The operator assets in `deploy/prometheus` and `deploy/grafana` (issue 18 item 6): the alerting
/// rules pass `promtool check rules` and their unit tests, and the rules and the dashboard name
/// only metrics that a real `DaemonMetrics` exports.
@Suite("Operator alerts and dashboard")
struct OperatorAlertsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let rulesPath = root.appendingPathComponent("deploy/prometheus/aura-billing.rules.yml")
    static let promtoolTestsPath = root.appendingPathComponent("deploy/prometheus/promtool-tests.yml")
    static let dashboardPath = root.appendingPathComponent("deploy/grafana/aura-billing.json")

    @Test("the alerting rules pass promtool check rules")
    func rulesCheck() throws {
        let result = try Self.promtool(["check", "rules", Self.rulesPath.path])
        #expect(result.status == 0, "promtool check rules failed:\n\(result.output)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)")
    }

    @Test("the promtool unit tests make the alerts fire and stay quiet as written")
    func rulesUnitTests() throws {
        let result = try Self.promtool(["test", "rules", Self.promtoolTestsPath.path])
        #expect(result.status == 0, "promtool test rules failed:\n\(result.output)")
    }

    @Test("every metric the alerting rules name is one the daemon exports")
    func rulesUseExportedMetrics() throws {
        let rules = try String(contentsOf: Self.rulesPath, encoding: .utf8)
        let exported = Self.exportedMetrics()
        let used = Self.metricNames(in: rules, histograms: exported.histograms)
        #expect(used.count >= 8, "the rules name \(used.sorted())")
        #expect(used.subtracting(exported.names).isEmpty, "not exported: \(used.subtracting(exported.names).sorted())")
    }

    @Test("every dashboard query names only exported metrics and reads the DS_PROMETHEUS input")
    func dashboardUsesExportedMetrics() throws {
        let queries = try Self.dashboardQueries()
        let exported = Self.exportedMetrics()
        #expect(queries.count >= 10, "the dashboard has \(queries.count) queries")
        for query in queries {
            let used = Self.metricNames(in: query, histograms: exported.histograms)
            #expect(!used.isEmpty, "a query without an aura metric: \(query)")
            #expect(used.subtracting(exported.names).isEmpty, "\(query) names \(used.subtracting(exported.names))")
        }
        let used = Self.metricNames(in: queries.joined(separator: "\n"), histograms: exported.histograms)
        #expect(used.contains("aura_checkpoint_duration_seconds"), "the histogram is read through _bucket")
    }

    @Test("every dashboard query is valid PromQL (promtool check rules over them as recording rules)")
    func dashboardQueriesParse() throws {
        let queries = try Self.dashboardQueries()
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, query) in queries.enumerated() {
            let quoted = query.replacingOccurrences(of: "'", with: "''")
            rules += "      - record: aura_dashboard_query_\(index)\n        expr: '\(quoted)'\n"
        }
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("aura-dashboard-\(UUID().uuidString).rules.yml")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Self.promtool(["check", "rules", file.path])
        #expect(result.status == 0, "a dashboard query does not parse:\n\(result.output)")
        #expect(result.output.contains("\(queries.count) rules found"), "\(result.output)")
    }

    @Test("the metric check reports a name the daemon does not export")
    func checkerCatchesUnknownMetric() {
        let exported = Self.exportedMetrics()
        let used = Self.metricNames(
            in: "increase(aura_invoices_lost_total[1h]) > 0 and aura_checkpoint_duration_seconds_count > 0",
            histograms: exported.histograms)
        #expect(used == ["aura_invoices_lost_total", "aura_checkpoint_duration_seconds"])
        #expect(used.subtracting(exported.names) == ["aura_invoices_lost_total"])
    }

    // MARK: - Helpers

    /// The metric families a `DaemonMetrics` emits, read from the `# TYPE` lines of its
    /// exposition after the lazily created families (quarantine reasons, partitions, OB totals)
    /// have been created once, as the daemon does on first use.
    static func exportedMetrics() -> (names: Set<String>, histograms: Set<String>) {
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        _ = metrics.quarantined(topic: "aura.audit", reason: "invalid-utf8")
        _ = metrics.partition(PartitionKey(topic: "aura.audit", partition: 0))
        _ = metrics.invoiceTotal(ob: "ESP", currency: "EUR")
        var names = Set<String>()
        var histograms = Set<String>()
        for line in String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("# TYPE ") {
            let fields = line.split(separator: " ")
            guard fields.count == 4 else { continue }
            names.insert(String(fields[2]))
            if fields[3] == "histogram" { histograms.insert(String(fields[2])) }
        }
        return (names, histograms)
    }

    /// The identifiers starting with `aura_` in `text`, with the `_bucket`, `_sum` and `_count`
    /// series of the given histograms mapped back to their family name.
    static func metricNames(in text: String, histograms: Set<String>) -> Set<String> {
        var names = Set<String>()
        for match in text.matches(of: /aura_[A-Za-z0-9_:]*/) {
            var name = String(match.output)
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if histograms.contains(base) { name = base }
            }
            names.insert(name)
        }
        return names
    }

    /// Every panel target's `expr` of the dashboard; each panel and target must read the
    /// `${DS_PROMETHEUS}` input.
    static func dashboardQueries() throws -> [String] {
        let data = try Data(contentsOf: dashboardPath)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let inputs = try #require(dashboard["__inputs"] as? [[String: Any]])
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" })
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var queries: [String] = []
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${DS_PROMETHEUS}", "\(title)")
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(title) has no targets")
            for target in targets {
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${DS_PROMETHEUS}")
                queries.append(try #require(target["expr"] as? String, "\(title): a target without expr"))
            }
        }
        return queries
    }

    /// Runs `promtool` (from `PATH`) and returns its exit status and combined output; fails the
    /// test when it is not installed (`scripts/bootstrap.sh` installs Debian's `prometheus`).
    static func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let executable = try #require(
            path,
            "promtool is not installed: run scripts/bootstrap.sh (it installs Debian's prometheus package)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
