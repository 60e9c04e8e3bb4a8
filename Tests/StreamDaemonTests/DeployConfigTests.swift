import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// The shipped `deploy/config.yaml` loads with the daemon's own loader and passes
/// `validate-config`, it and deploy/ENVIRONMENT.md name exactly the keys of `ConfigurationKeys`,
/// and the environment variables that `systemd/aura-billing.service` sets reach the keys they are
/// meant for.
@Suite("Deploy configuration")
struct DeployConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let configPath = root.appendingPathComponent("deploy/config.yaml").path

    @Test("deploy/config.yaml loads and its schema files exist")
    func loads() async throws {
        let config = try await DaemonConfiguration.load(path: Self.configPath, environment: [:])
        #expect(config.kafka.brokers == "localhost:9092")
        #expect(config.kafka.security.protocol == .plaintext)
        #expect(config.kafka.properties["session.timeout.ms"] == "45000")
        #expect(config.stateDir == "/var/lib/aura-billing/state")
        #expect(config.graceHours == 6)
        #expect(config.delivery.kind == .directory)
        #expect(config.delivery.retries == 5)
        #expect(config.adminTokenFile == "/etc/aura-billing/credentials/admin-token")
        // Optional keys are unset, not empty strings: local schema files, no dead-letter topic.
        #expect(config.schemas.registryURL == nil)
        #expect(config.quarantineTopic == nil)
        #expect(config.quarantineFile == "/var/lib/aura-billing/quarantine/quarantine.jsonl")
        #expect(config.delivery.azureAccount == nil)
        #expect(config.schemas.files.keys.sorted() == [1, 2, 3])
        for path in config.schemas.files.values {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
    }

    @Test("the systemd unit's environment overrides the credential paths")
    func unitEnvironment() async throws {
        // The Environment= lines of the unit, with %d expanded as systemd would.
        let unit = try String(
            contentsOf: Self.root.appendingPathComponent("systemd/aura-billing.service"), encoding: .utf8)
        var environment: [String: String] = [:]
        for line in unit.split(separator: "\n") where line.hasPrefix("Environment=") {
            let assignment = line.dropFirst("Environment=".count).split(separator: "=", maxSplits: 1).map(String.init)
            environment[assignment[0]] = assignment[1].replacingOccurrences(
                of: "%d", with: "/run/credentials/aura-billing.service")
        }
        #expect(environment.count == 5)
        // Every Environment= secret path names a credential the unit loads.
        let loaded = unit.split(separator: "\n").filter { $0.hasPrefix("LoadCredential=") }.map {
            "/run/credentials/aura-billing.service/" + $0.dropFirst("LoadCredential=".count).prefix { $0 != ":" }
        }
        #expect(Set(environment.values) == Set(loaded), "\(environment.values.sorted()) vs \(loaded.sorted())")
        environment["KAFKA_BROKERS"] = "kafka-1:9093,kafka-2:9093"
        environment["KAFKA_SECURITY_PROTOCOL"] = "SASL_SSL"
        environment["KAFKA_SECURITY_OAUTH_TOKEN_ENDPOINT"] = "https://login.example/oauth2/token"
        environment["KAFKA_SECURITY_OAUTH_CLIENT_ID"] = "aura-billing"
        environment["KAFKA_SECURITY_OAUTH_SCOPE"] = "data:Aura_Audit:read"
        environment["DELIVERY_KIND"] = "azure"
        environment["DELIVERY_AZURE_ACCOUNT"] = "aurainvoices"
        let config = try await DaemonConfiguration.load(path: Self.configPath, environment: environment)
        let credentials = "/run/credentials/aura-billing.service"
        #expect(config.kafka.brokers == "kafka-1:9093,kafka-2:9093")
        #expect(config.kafka.security.protocol == .saslSSL)
        #expect(config.kafka.security.tokenEndpoint == "https://login.example/oauth2/token")
        #expect(config.kafka.security.scope == "data:Aura_Audit:read")
        #expect(config.kafka.security.clientSecretFile == "\(credentials)/kafka-client-secret")
        #expect(config.adminTokenFile == "\(credentials)/admin-token")
        #expect(config.delivery.kind == .azure)
        #expect(config.delivery.azureAccount == "aurainvoices")
        #expect(config.delivery.sasTokenFile == "\(credentials)/blob-sas-token")
        #expect(config.delivery.sharedKeyFile == "\(credentials)/blob-shared-key")
        // The webhook secret is set by the unit and used only with a webhook URL.
        #expect(config.events.webhookSecretFile == "\(credentials)/events-webhook-secret")
        #expect(config.events.webhookURL == nil && !config.events.isEnabled)
        environment["EVENTS_WEBHOOK_URL"] = "https://erp.example/aura/invoice-closed"
        let withWebhook = try await DaemonConfiguration.load(path: Self.configPath, environment: environment)
        #expect(withWebhook.events.webhookURL == "https://erp.example/aura/invoice-closed")
        #expect(withWebhook.events.webhookSecretFile == "\(credentials)/events-webhook-secret")
    }

    @Test("validate-config accepts deploy/config.yaml as shipped, and it names every known key")
    func validatesAsShipped() throws {
        let report = ConfigurationValidator().validate(path: Self.configPath)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let uncommented = ConfigurationValidator().validate(
            yaml: Self.uncommented(try Self.configText()), file: Self.configPath)
        #expect(uncommented.problems.isEmpty, "\(uncommented.problems)")
        let missing = Set(ConfigurationKeys.all.map(\.path)).subtracting(uncommented.keys)
        #expect(missing.isEmpty, "keys missing from deploy/config.yaml, even commented out: \(missing.sorted())")
        #expect(uncommented.keys.count > report.keys.count, "the optional keys are commented out")
    }

    @Test("deploy/config.yaml with every commented key uncommented validates and loads")
    func uncommentedLoads() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-config-\(UUID().uuidString).yaml")
        try Self.uncommented(try Self.configText()).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(ConfigurationValidator().validate(path: file.path).problems.isEmpty)
        let config = try await DaemonConfiguration.load(path: file.path, environment: [:])
        #expect(config.changelogTopic == "aura-billing.changelog" && config.closeTopic == "aura-billing.closes")
        #expect(config.pinnedClosedAtMs == 1_793_491_500_000)
        #expect(
            config.events.topic == "aura.billing.invoices" && config.events.schemaID == 42
                && config.events.webhookSecretFile == "/etc/aura-billing/credentials/events-webhook-secret"
                && config.events.retryPolicy.maximum == .seconds(600))
        #expect(
            config.schemas.registryURL == "http://schema-registry:8081"
                && config.quarantineTopic == "aura.billing.quarantine")
    }

    @Test("an unknown key in the file is reported with file and line, and validate-config exits 1")
    func unknownKeyCommand() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-config-\(UUID().uuidString).yaml")
        let text = try Self.configText().replacingOccurrences(
            of: "  grace_hours: 6\n", with: "  grace_hours: 6\n  grace_days: 1\n")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "  grace_days: 1" }
            .map { $0 + 1 }
        let catalog = Self.root.appendingPathComponent("deploy/tariffs.yaml").path
        let (status, output) = try DemoMonthGeneratorTests.run(
            DaemonHarness.executable.path, ["validate-config", "--config", file.path, "--catalog", catalog])
        #expect(status == 1)
        #expect(
            output.contains(
                "\(file.path):\(line ?? -1): unknown key 'periods.grace_days'; expected one of auto_close, "),
            "\(output)")
        #expect(output.hasSuffix("1 problem(s)\n"), "\(output)")
        let (shippedStatus, shipped) = try DemoMonthGeneratorTests.run(
            DaemonHarness.executable.path, ["validate-config", "--config", Self.configPath, "--catalog", catalog])
        #expect(
            shippedStatus == 0 && shipped.hasPrefix("OK: configuration \(Self.configPath), catalogs \(catalog)"),
            "\(shipped)")
    }

    @Test("the demo's configuration validates and loads")
    func demoConfiguration() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aura-demo-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let yaml = DemoCommand.configurationYAML(bootstrap: "127.0.0.1:39092", out: out.path)
        let report = ConfigurationValidator().validate(yaml: yaml, file: "demo/config.yaml")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.keys.contains("periods.grace_hours") && report.keys.contains("kafka.properties"))
        try yaml.write(to: out.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let config = try await DaemonConfiguration.load(
            path: out.appendingPathComponent("config.yaml").path, environment: [:])
        #expect(config.kafka.brokers == "127.0.0.1:39092" && config.graceHours == 6 && !config.autoClose)
    }

    @Test("deploy/ENVIRONMENT.md documents exactly the declared keys, variables and defaults")
    func environmentTable() throws {
        let markdown = try String(
            contentsOf: Self.root.appendingPathComponent("deploy/ENVIRONMENT.md"), encoding: .utf8)
        let reference =
            markdown.components(separatedBy: "## Reference").dropFirst().first?.components(separatedBy: "\n## ").first
            ?? ""
        let documented = reference.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row -> String in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let code = { (cell: String) in cell.firstMatch(of: /`([^`]*)`/).map { String($0.1) } ?? "(none)" }
            return [code(cells[0]), code(cells[1]), cells[2].replacingOccurrences(of: "`", with: "")].joined(
                separator: " | ")
        }
        let declared = ConfigurationKeys.all.map { key in
            [key.documentedPath, key.environmentVariable ?? "(none)", key.documentedDefault].joined(separator: " | ")
        }
        #expect(documented.count == declared.count)
        let differing = Set(documented).symmetricDifference(declared).sorted()
        #expect(
            differing.isEmpty, "rows of deploy/ENVIRONMENT.md or ConfigurationKeys that the other lacks: \(differing)")
        #expect(documented.contains("periods.grace_hours | PERIODS_GRACE_HOURS | 72"))
        #expect(documented.contains("periods.auto_close | PERIODS_AUTO_CLOSE | false"))
    }

    static func configText() throws -> String {
        try String(contentsOfFile: configPath, encoding: .utf8)
    }

    /// `text` with every commented-out key (`# name: "value"` or `# name: 123`, as deploy/config.yaml
    /// writes its optional keys) uncommented.
    static func uncommented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let match = line.wholeMatch(of: /( *)# ([A-Za-z0-9_.]+: (?:"[^"]*"|[0-9]+))( +#.*)?/) else {
                return String(line)
            }
            return String(match.1) + String(match.2) + String(match.3 ?? "")
        }.joined(separator: "\n")
    }
}
