import Foundation
import Logging
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// The client-credentials token fetcher against a real HTTP endpoint on loopback (a Python
/// `http.server`), and its wiring into librdkafka's OAUTHBEARER refresh callback against the
/// embedded mock cluster.
///
/// Blocking work (curl, librdkafka, the server process) runs through `Blocking.run`; the
/// expectations stay in the test's task so failures are attributed to their test.
@Suite("OAuth token fetcher")
struct OAuthTokenFetcherTests {
    static let clientID = "aura-billing"
    static let secret = "s3cr3t-Value_with+chars/="
    static let scope = "data:Aura_Audit:read data:Aura_Gateway_Message:read"
    let logger = Logger(label: "test.oauth")

    /// A server plus a fetcher of `path` whose secret file holds `secret` and a newline.
    static func makeFetcher(path: String = "/token", secret: String = secret) async throws -> (
        LocalTokenServer, OAuthTokenFetcher
    ) {
        try await Blocking.run {
            let server = try LocalTokenServer(clientID: clientID, secret: Self.secret, scope: scope)
            let secretFile = try server.writeFile("client-secret", secret + "\n")
            let fetcher = try OAuthTokenFetcher(
                credentials: OAuthClientCredentials(
                    tokenEndpoint: server.url(path),
                    clientID: clientID,
                    clientSecretFile: secretFile,
                    scope: scope,
                    connectTimeoutSeconds: 5,
                    requestTimeoutSeconds: 10
                ))
            return (server, fetcher)
        }
    }

    /// `fetcher.fetchToken()` off the cooperative pool.
    static func fetch(_ fetcher: OAuthTokenFetcher) async throws -> OAuthToken {
        try await Blocking.run { try fetcher.fetchToken() }
    }

    /// Stops the server off the cooperative pool.
    static func stop(_ server: LocalTokenServer) async throws {
        try await Blocking.run { server.stop() }
    }

    @Test("a token is fetched with Basic auth, the client-credentials grant and the scope")
    func fetchesToken() async throws {
        let (server, fetcher) = try await Self.makeFetcher(path: "/token?expires_in=1800")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let token = try await Self.fetch(fetcher)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        let requests = try server.requests()
        try await Self.stop(server)
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request["user"] as? String == Self.clientID)
        // The trailing newline of the secret file was not sent.
        #expect(request["password_ok"] as? Bool == true)
        #expect(request["content_type"] as? String == "application/x-www-form-urlencoded")
        #expect(request["grant_type"] as? [String] == ["client_credentials"])
        #expect(request["scope"] as? [String] == [Self.scope])
        #expect(token.accessToken == request["issued"] as? String)
        #expect(token.lifetimeSeconds == 1800)
        #expect(token.expiryMs >= before - 1000 + 1_800_000 && token.expiryMs <= after + 1_800_000)
        #expect(!token.description.contains(token.accessToken))
    }

    @Test("a wrong secret gives an error naming the endpoint and HTTP 401, without the secret")
    func wrongSecret() async throws {
        let wrong = "wrong-secret-1234"
        let (server, fetcher) = try await Self.makeFetcher(secret: wrong)
        let error = try await #require(throws: KafkaError.self) { try await Self.fetch(fetcher) }
        let statuses = try server.requests().map { $0["status"] as? Int }
        try await Self.stop(server)
        #expect(error.code == .oauthToken)
        #expect(error.source == server.url("/token"))
        #expect(error.description.contains("HTTP 401"))
        #expect(error.description.contains("invalid_client"))
        // The server echoed the presented credentials; they were scrubbed.
        #expect(!error.description.contains(wrong))
        #expect(error.description.contains("[redacted]"))
        #expect(statuses == [401])
    }

    @Test("an HTTP 500 gives an error with the status and the endpoint's error description")
    func serverError() async throws {
        let (server, fetcher) = try await Self.makeFetcher(path: "/fail/500")
        let error = try await #require(throws: KafkaError.self) { try await Self.fetch(fetcher) }
        try await Self.stop(server)
        #expect(error.code == .oauthToken)
        #expect(error.source == server.url("/fail/500"))
        #expect(error.description.contains("HTTP 500: server_error: told to fail"))
        #expect(!error.description.contains(Self.secret))
    }

    @Test("a response that is not JSON, or lacks access_token, is a clear error")
    func malformedResponses() async throws {
        let (server, fetcher) = try await Self.makeFetcher(path: "/malformed")
        let error = try await #require(throws: KafkaError.self) { try await Self.fetch(fetcher) }
        let noToken = try OAuthTokenFetcher(
            credentials: OAuthClientCredentials(
                tokenEndpoint: server.url("/no-token"), clientID: Self.clientID,
                clientSecretFile: fetcher.credentials.clientSecretFile, scope: Self.scope
            ))
        let error2 = try await #require(throws: KafkaError.self) { try await Self.fetch(noToken) }
        let count = try server.requests().count
        try await Self.stop(server)
        #expect(error.code == .oauthResponse)
        #expect(error.source == server.url("/malformed"))
        #expect(error.message.contains("not JSON"))
        #expect(error2.code == .oauthResponse)
        #expect(error2.source == server.url("/no-token"))
        #expect(error2.message.contains("access_token"))
        #expect(count == 2)
    }

    @Test("a missing secret file is an error naming the file, and nothing is sent")
    func missingSecretFile() async throws {
        let (server, fetcher) = try await Self.makeFetcher()
        let missing = server.directory.appendingPathComponent("no-such-secret").path
        let broken = try OAuthTokenFetcher(
            credentials: OAuthClientCredentials(
                tokenEndpoint: fetcher.credentials.tokenEndpoint, clientID: Self.clientID,
                clientSecretFile: missing, scope: Self.scope
            ))
        let error = try await #require(throws: KafkaError.self) { try await Self.fetch(broken) }
        let count = try server.requests().count
        try await Self.stop(server)
        #expect(error.code == .oauthCredentials)
        #expect(error.source == missing)
        #expect(error.message.contains("No such file"))
        #expect(count == 0)
    }

    @Test("an unreachable endpoint is an error naming it")
    func unreachable() async throws {
        let (server, fetcher) = try await Self.makeFetcher()
        // Keep the secret outside the server's directory, which stop() removes.
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-oauth-secret-\(UUID().uuidString)")
        try (Self.secret + "\n").write(to: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secretFile) }
        var credentials = fetcher.credentials
        credentials.clientSecretFile = secretFile.path
        let orphan = try OAuthTokenFetcher(credentials: credentials)
        try await Self.stop(server)  // nothing listens on the port any more
        let error = try await #require(throws: KafkaError.self) { try await Self.fetch(orphan) }
        #expect(error.code == .oauthToken)
        #expect(error.source == credentials.tokenEndpoint)
        #expect(error.message.contains("token request failed"))
    }

    @Test("token errors, and the fail-fast ones after them, name the endpoint without its query or user information")
    func endpointRedacted() async throws {
        let (server, fetcher) = try await Self.makeFetcher()
        var credentials = fetcher.credentials
        credentials.tokenEndpoint =
            server.url("/fail/500").replacingOccurrences(of: "://", with: "://operator:hunter2@") + "?key=TOPSECRET"
        let leaky = try OAuthTokenFetcher(credentials: credentials)
        let failed = try await #require(throws: KafkaError.self) {
            try await Blocking.run { try leaky.refreshToken() }
        }
        let fastFailed = try await #require(throws: KafkaError.self) {
            try await Blocking.run { try leaky.refreshToken() }
        }
        try await Self.stop(server)
        #expect(failed.description.contains("HTTP 500"))
        #expect(fastFailed.code == .oauthBackoff)
        let redacted = server.url("/fail/500").replacingOccurrences(of: "://", with: "://[redacted]@") + "?[redacted]"
        for error in [failed, fastFailed] {
            #expect(error.source == redacted)
            #expect(!error.description.contains("TOPSECRET") && !error.description.contains("hunter2"), "\(error)")
        }
    }

    @Test("after a failure, refreshes fail fast without contacting the endpoint")
    func failFastAfterFailure() async throws {
        let (server, fetcher) = try await Self.makeFetcher(path: "/fail/503")
        let first = try await #require(throws: KafkaError.self) {
            try await Blocking.run { try fetcher.refreshToken() }
        }
        let second = try await #require(throws: KafkaError.self) {
            try await Blocking.run { try fetcher.refreshToken() }
        }
        let count = try server.requests().count
        try await Self.stop(server)
        #expect(first.code == .oauthToken)
        #expect(second.code == .oauthBackoff)
        #expect(second.message.contains("HTTP 503"))
        #expect(count == 1)
        let status = fetcher.status
        #expect(status.requests == 1 && status.failedFast == 1 && status.consecutiveFailures == 1)
    }

    @Test("the backoff window starts at 5 s, doubles, caps at 60 s and closes on success")
    func backoffStateMachine() {
        #expect(
            (1...7).map { OAuthRefreshState.backoff(afterFailures: $0) }
                == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60), .seconds(60)])
        var state = OAuthRefreshState()
        let t0 = ContinuousClock.now
        #expect(state.begin(now: t0) == .request)
        state.failed("HTTP 500", now: t0)
        #expect(state.begin(now: t0 + .seconds(4)) == .failFast(retryIn: .seconds(1), lastError: "HTTP 500"))
        #expect(state.begin(now: t0 + .seconds(5)) == .request)
        state.failed("HTTP 500", now: t0 + .seconds(5))
        #expect(state.begin(now: t0 + .seconds(14)) != .request)
        #expect(state.begin(now: t0 + .seconds(15)) == .request)
        state.succeeded()
        #expect(state.begin(now: t0 + .seconds(15)) == .request)
        #expect(state.consecutiveFailures == 0 && state.requests == 4 && state.failedFast == 2)
    }

    // MARK: librdkafka wiring

    /// OAUTHBEARER over plaintext against the mock cluster (which has no SASL: authentication
    /// cannot complete, but the token refresh happens before any connection needs it).
    static func oauthProperties(_ bootstrap: String) -> [String: String] {
        [
            "bootstrap.servers": bootstrap,
            "group.id": "oauth-wiring",
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "OAUTHBEARER",
        ]
    }

    @Test("the consumer's first poll fetches a token through the refresh callback and librdkafka accepts it")
    func consumerRefreshCallback() async throws {
        let cluster = try EmbeddedKafkaCluster(logger: logger)
        let props = Self.oauthProperties(cluster.bootstrapServers)
        let logger = self.logger
        let (server, fetcher) = try await Self.makeFetcher()
        let counts = try await Blocking.run {
            let consumer = try KafkaConsumer(properties: props, tokenProvider: fetcher, logger: logger)
            let beforePoll = try server.requests().count
            // The refresh is queued at creation and served by the first poll.
            _ = try consumer.poll(maxMessages: 1, timeoutMs: 100) { _ in }
            let afterFirst = try server.requests().count
            let installedAfterFirst = fetcher.status.installed
            // Later polls do not fetch again: the next refresh is due at 80 % of 3600 s.
            _ = try consumer.poll(maxMessages: 1, timeoutMs: 100) { _ in }
            return (beforePoll, afterFirst, installedAfterFirst, try server.requests().count)
        }
        let requests = try server.requests()
        try await Self.stop(server)
        #expect(counts.0 == 0, "no token before the first poll")
        #expect(counts.1 == 1)
        #expect(counts.2 == 1, "librdkafka accepted the token")
        #expect(counts.3 == 1)
        #expect(requests.first?["user"] as? String == Self.clientID)
        #expect(requests.first?["password_ok"] as? Bool == true)
        #expect(requests.first?["scope"] as? [String] == [Self.scope])
        let status = fetcher.status
        #expect(status.rejected == 0 && status.consecutiveFailures == 0)
        _ = cluster
    }

    @Test("a failing endpoint is reported to librdkafka, not thrown from poll, and not hammered")
    func consumerRefreshFailure() async throws {
        let cluster = try EmbeddedKafkaCluster(logger: logger)
        let props = Self.oauthProperties(cluster.bootstrapServers)
        let logger = self.logger
        let (server, fetcher) = try await Self.makeFetcher(path: "/fail/500")
        try await Blocking.run {
            let consumer = try KafkaConsumer(properties: props, tokenProvider: fetcher, logger: logger)
            for _ in 0..<3 { _ = try consumer.poll(maxMessages: 1, timeoutMs: 100) { _ in } }
        }
        let statuses = try server.requests().map { $0["status"] as? Int }
        try await Self.stop(server)
        #expect(statuses == [500])
        let status = fetcher.status
        #expect(status.installed == 0 && status.consecutiveFailures == 1)
        #expect(status.lastError?.contains("HTTP 500") == true)
        _ = cluster
    }

    @Test("the producer fetches its token on librdkafka's background thread, without polling")
    func producerBackgroundRefresh() async throws {
        let cluster = try EmbeddedKafkaCluster(logger: logger)
        let props = Self.oauthProperties(cluster.bootstrapServers).filter { $0.key != "group.id" }
        let waiter = LogWaiter(waitingFor: "OAuth token installed")
        let logger = waiter.logger
        let (server, fetcher) = try await Self.makeFetcher()
        let installed = try await Blocking.run {
            let producer = try KafkaProducer(properties: props, tokenProvider: fetcher, logger: logger)
            // Nothing polls the producer: wait (bounded) for the background thread's log line.
            let installed = waiter.wait(seconds: 15)
            _ = producer
            return installed
        }
        let count = try server.requests().count
        try await Self.stop(server)
        #expect(installed, "messages: \(waiter.messages)")
        #expect(fetcher.status.installed == 1)
        #expect(count == 1)
        _ = cluster
    }

    @Test("a token provider without OAUTHBEARER is a configuration error")
    func providerNeedsOAuthBearer() async throws {
        let (server, fetcher) = try await Self.makeFetcher()
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(
                properties: ["bootstrap.servers": "127.0.0.1:1", "group.id": "g"], tokenProvider: fetcher,
                logger: logger)
        }
        let count = try server.requests().count
        try await Self.stop(server)
        #expect(error.code == .kafkaConfig)
        #expect(count == 0)
    }

    // MARK: configuration

    @Test("the endpoint must be https, except on loopback")
    func endpointScheme() throws {
        func make(_ endpoint: String) throws -> OAuthTokenFetcher {
            try OAuthTokenFetcher(
                credentials: OAuthClientCredentials(
                    tokenEndpoint: endpoint, clientID: Self.clientID, clientSecretFile: "/nonexistent", scope: nil
                ))
        }
        for endpoint in [
            "https://login.example/token", "http://127.0.0.1:8080/token", "http://localhost/token", "http://[::1]:80/t",
        ] {
            #expect(throws: Never.self, "\(endpoint)") { _ = try make(endpoint) }
        }
        for endpoint in [
            "http://login.example/token", "http://127.0.0.1.evil.example/token", "ftp://login.example/token",
            "login.example",
        ] {
            let error = try #require(throws: KafkaError.self, "\(endpoint)") { _ = try make(endpoint) }
            #expect(error.code == .configuration)
            #expect(error.source == endpoint)
        }
    }

    @Test("the configuration builds the fetcher for SASL_SSL and none for PLAINTEXT")
    func configurationFactory() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("deploy/config.yaml").path
        let plain = try await DaemonConfiguration.load(path: path, environment: [:])
        #expect(try plain.makeTokenFetcher() == nil)
        let sasl = try await DaemonConfiguration.load(
            path: path,
            environment: [
                "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "KAFKA_SECURITY_OAUTH_TOKEN_ENDPOINT": "https://login.example/oauth2/token",
                "KAFKA_SECURITY_OAUTH_CLIENT_ID": "aura-billing",
                "KAFKA_SECURITY_OAUTH_CLIENT_SECRET_FILE": "/run/credentials/aura-billing.service/kafka-client-secret",
                "KAFKA_SECURITY_OAUTH_SCOPE": "data:Aura_Audit:read",
            ])
        let fetcher = try #require(try sasl.makeTokenFetcher())
        #expect(
            fetcher.credentials
                == OAuthClientCredentials(
                    tokenEndpoint: "https://login.example/oauth2/token",
                    clientID: "aura-billing",
                    clientSecretFile: "/run/credentials/aura-billing.service/kafka-client-secret",
                    scope: "data:Aura_Audit:read"
                ))
        #expect(sasl.consumerProperties["sasl.mechanisms"] == "OAUTHBEARER")
        #expect(fetcher.formBody() == "grant_type=client_credentials&scope=data%3AAura_Audit%3Aread")
    }
}
