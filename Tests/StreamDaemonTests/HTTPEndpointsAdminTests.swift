import Aggregation
import Foundation
import Synchronization
import Testing

@testable import StreamDaemon

/// `POST /admin/close` when the daemon is not ready or the admin token is missing or empty,
/// on the real HTTP server (`HTTPEndpointsTests.withServer`), and `aura-billing close` facing a
/// daemon that is not ready.
@Suite("HTTP endpoints: admin close refusals")
struct HTTPEndpointsAdminTests {
    static let token = "s3cret-token"

    /// A file under a fresh temporary directory holding `text`; returns its path.
    static func file(_ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aura-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("admin-token").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "a close asked of a daemon with no partitions and no lag answers 503 with a not_ready report, queuing nothing")
    func notReadyClose() async throws {
        let control = ConsumerControl()
        let status = DaemonStatus()
        status.update { $0.stateLoaded = true }
        let closing = LocalPeriodClosing(control: control, status: status)
        try await HTTPEndpointsTests.withServer(
            adminToken: Self.token, status: status, close: HTTPEndpoints.closeHandler(closing)
        ) { port in
            let reply = try await HTTPEndpointsTests.curl([
                "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                "http://127.0.0.1:\(port)/admin/close?period=2026-10&force=true",
            ])
            #expect(reply.status == 503)
            let report = try JSONDecoder().decode(CloseReport.self, from: Data(reply.body.utf8))
            #expect(report.closed.isEmpty && report.errors.isEmpty)
            #expect(report.notReady == ["daemon not ready: no partitions assigned; consumer lag not known yet"])
        }
        #expect(control.takeCloses().isEmpty, "a close reached the consumer of a daemon that is not ready")
    }

    @Test("the one-machine close is refused while any readiness reason holds and allowed once none does")
    func readinessGate() throws {
        let status = DaemonStatus()
        status.update {
            $0.stateLoaded = true
            $0.assigned = [PartitionKey(topic: "audit", partition: 0)]
        }
        let refused = try #require(throws: DaemonError.self) { try status.requireReadyToClose() }
        #expect(refused.code == .notReady)
        #expect(refused.message == "consumer lag not known yet")
        status.update { $0.lagKnown = true }
        try status.requireReadyToClose()
    }

    @Test("an empty admin token disables /admin/close: 403 even for `Bearer ` with nothing after it")
    func emptyTokenDisabled() async throws {
        let calls = Mutex(0)
        let close: HTTPEndpoints.CloseHandler = { _ in
            calls.withLock { $0 += 1 }
            return "{}"
        }
        try await HTTPEndpointsTests.withServer(adminToken: "", close: close) { port in
            let url = "http://127.0.0.1:\(port)/admin/close?period=2026-10"
            for headers in [[], ["-H", "Authorization: Bearer "], ["-H", "Authorization: Bearer"]] {
                let reply = try await HTTPEndpointsTests.curl(["-X", "POST"] + headers + [url])
                #expect(reply.status == 403, "\(headers) answered \(reply.status)")
                #expect(reply.body.hasPrefix("admin endpoint disabled"))
            }
        }
        #expect(calls.withLock { $0 } == 0)
        #expect(!HTTPEndpoints.bearerMatches("Bearer ", token: ""))
    }

    @Test("admin.token_file: missing key or an empty or blank file disables, a token enables, an unreadable file fails")
    func adminAccess() throws {
        #expect(try AdminAccess(tokenFile: nil) == .disabled(reason: "admin.token_file is not set"))
        #expect(try AdminAccess(tokenFile: "") == .disabled(reason: "admin.token_file is not set"))
        let empty = try Self.file("")
        #expect(try AdminAccess(tokenFile: empty) == .disabled(reason: "the admin token file is empty (\(empty))"))
        let blank = try Self.file(" \n\t\n")
        #expect(try AdminAccess(tokenFile: blank).token == nil)
        #expect(try AdminAccess(tokenFile: try Self.file(Self.token + "\n")) == .enabled(token: Self.token))
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("aura-no-such-\(UUID())").path
        let error = try #require(throws: DaemonError.self) { try AdminAccess(tokenFile: missing) }
        #expect(error.code == .configuration)
    }

    @Test("`aura-billing close` facing a daemon that is not ready prints the report, exits non-zero, hides URL secrets")
    func cliNotReady() throws {
        let body = #"{"closed":[],"errors":[],"not_ready":["daemon not ready: no partitions assigned"]}"# + "\n"
        let server = try TinyHTTPServer(routes: [
            "/admin/close?period=2026-10": .init(status: 503, body: Array(body.utf8))
        ])
        defer { server.stop() }
        let cli = Process()
        cli.executableURL = DaemonHarness.executable
        cli.arguments = [
            "close", "--url", "http://operator:hunter2@127.0.0.1:\(server.port)", "--token-file",
            try Self.file(Self.token), "--period", "2026-10",
        ]
        let (out, err) = (Pipe(), Pipe())
        cli.standardOutput = out
        cli.standardError = err
        try cli.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        cli.waitUntilExit()
        #expect(cli.terminationStatus != 0)
        #expect(printed == body)
        #expect(complaint.contains("HTTP 503"), "\(complaint)")
        #expect(complaint.contains("[redacted]@127.0.0.1"), "\(complaint)")
        #expect(!(printed + complaint).contains("hunter2"))
        #expect(server.requestedPaths == ["/admin/close?period=2026-10"])
    }
}
