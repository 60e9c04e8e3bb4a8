import Foundation
import Testing

@testable import StreamDaemon
@testable import KafkaBridge
@testable import DevTools

/// The shipped `deploy/config.yaml` loads with the daemon's own loader, and the environment
/// variables that `systemd/aura-billing.service` sets reach the keys they are meant for.
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
        let unit = try String(contentsOf: Self.root.appendingPathComponent("systemd/aura-billing.service"), encoding: .utf8)
        var environment: [String: String] = [:]
        for line in unit.split(separator: "\n") where line.hasPrefix("Environment=") {
            let assignment = line.dropFirst("Environment=".count).split(separator: "=", maxSplits: 1).map(String.init)
            environment[assignment[0]] = assignment[1].replacingOccurrences(of: "%d", with: "/run/credentials/aura-billing.service")
        }
        #expect(environment.count == 4)
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
    }
}
