import Aggregation
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Starts the real HTTP server on 127.0.0.1 and talks to it with curl.
@Suite("HTTP endpoints")
struct HTTPEndpointsTests {
    /// Result of one curl call: status code and body.
    struct Reply {
        var status: Int
        var body: String
    }

    static func curl(_ args: [String]) async throws -> Reply {
        try await Blocking.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-sS", "--max-time", "10", "-w", "\n%{http_code}"] + args
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = try out.fileHandleForReading.readToEnd() ?? Data()
            process.waitUntilExit()
            var text = String(decoding: data, as: UTF8.self)
            let nl = text.lastIndex(of: "\n")!
            let status = Int(text[text.index(after: nl)...]) ?? -1
            text = String(text[..<nl])
            return Reply(status: status, body: text)
        }
    }

    /// Runs the endpoints on an ephemeral port for the duration of `body`.
    static func withServer(
        adminToken: String?,
        status: DaemonStatus = DaemonStatus(),
        metrics: DaemonMetrics = DaemonMetrics(auditTopic: "audit", gatewayTopic: "gateway"),
        close: @escaping HTTPEndpoints.CloseHandler = { _ in "{}" },
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        try await withServer(
            HTTPEndpoints(metrics: metrics, status: status, adminToken: adminToken, close: close), body)
    }

    /// Runs `endpoints` on an ephemeral port for the duration of `body`, then stops them gracefully.
    static func withServer(_ endpoints: HTTPEndpoints, _ body: (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = endpoints.application(host: "127.0.0.1", port: 0, logger: Logger(label: "test.http")) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test.http"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("/metrics is valid Prometheus text with the daemon's metric families")
    func metricsParse() async throws {
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        metrics.audit.consumed.increment(by: Int64(42))
        metrics.quarantined(topic: "aura.audit", reason: "invalid-utf8").increment()
        metrics.partition(PartitionKey(topic: "aura.audit", partition: 3)).lag.set(to: 17)
        try await Self.withServer(adminToken: nil, metrics: metrics) { port in
            let reply = try await Self.curl(["http://127.0.0.1:\(port)/metrics"])
            #expect(reply.status == 200)
            var samples: [String: Double] = [:]
            var typed = Set<String>()
            for line in reply.body.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.split(separator: " ")
                    #expect(
                        parts.count == 4 && ["counter", "gauge", "histogram"].contains(String(parts[3])),
                        "bad TYPE line: \(line)")
                    typed.insert(String(parts[2]))
                } else if line.hasPrefix("# HELP ") {
                    continue
                } else {
                    // name{label="value",...} number
                    let space = try #require(line.lastIndex(of: " "), "sample without value: \(line)")
                    let name = String(line[..<space])
                    let value = try #require(Double(line[line.index(after: space)...]), "non-numeric sample: \(line)")
                    let family = String(name.prefix { $0 != "{" })
                    #expect(
                        family.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" },
                        "bad name: \(family)")
                    if name.contains("{") { #expect(name.hasSuffix("}"), "unterminated labels: \(line)") }
                    samples[name] = value
                }
            }
            #expect(samples[#"aura_events_consumed_total{topic="aura.audit"}"#] == 42)
            #expect(samples[#"aura_events_quarantined_total{topic="aura.audit",reason="invalid-utf8"}"#] == 1)
            #expect(samples[#"aura_consumer_lag_messages{topic="aura.audit",partition="3"}"#] == 17)
            #expect(typed.contains("aura_checkpoint_duration_seconds"))
        }
    }

    @Test("/healthz answers while /readyz reports why it is not ready, then ready")
    func readiness() async throws {
        let status = DaemonStatus()
        try await Self.withServer(adminToken: nil, status: status) { port in
            #expect(try await Self.curl(["http://127.0.0.1:\(port)/healthz"]).status == 200)
            let before = try await Self.curl(["http://127.0.0.1:\(port)/readyz"])
            #expect(before.status == 503)
            #expect(before.body.contains("state not loaded"))
            status.update {
                $0.stateLoaded = true
                $0.assigned = [PartitionKey(topic: "a", partition: 0)]
                $0.lagKnown = true
            }
            #expect(try await Self.curl(["http://127.0.0.1:\(port)/readyz"]).status == 200)
        }
    }

    @Test("/admin/close refuses without the bearer token or with a wrong one, and runs with it")
    func adminCloseNeedsToken() async throws {
        let calls = Mutex<[AdminCloseRequest]>([])
        let close: HTTPEndpoints.CloseHandler = { request in
            calls.withLock { $0.append(request) }
            return #"{"closed":1}"#
        }
        try await Self.withServer(adminToken: "s3cret-token", close: close) { port in
            let url = "http://127.0.0.1:\(port)/admin/close?period=2026-10&ob=ESP"
            #expect(try await Self.curl(["-X", "POST", url]).status == 401)
            #expect(try await Self.curl(["-X", "POST", "-H", "Authorization: Bearer wrong-token!", url]).status == 401)
            #expect(
                try await Self.curl([
                    "-X", "POST", "-H", "Authorization: Bearer s3cret-token",
                    "http://127.0.0.1:\(port)/admin/close?period=2026-13",
                ]).status == 400)
            #expect(calls.withLock { $0.isEmpty })
            let ok = try await Self.curl([
                "-X", "POST", "-H", "Authorization: Bearer s3cret-token", url + "&force=true",
            ])
            #expect(ok.status == 200)
            #expect(ok.body == #"{"closed":1}"#)
        }
        #expect(calls.withLock { $0 } == [try AdminCloseRequest(period: "2026-10", ob: "ESP", force: "true")])
    }
}
