import Foundation
import Hummingbird
import Logging
import NIOCore

/// `/metrics`, `/healthz`, `/readyz`, `POST /admin/close` and `GET /v1/invoices/preview`, served
/// by Hummingbird.
struct HTTPEndpoints: Sendable {
    /// Runs a close request; returns a JSON report. Called on the server's task. Throws
    /// `DaemonError(.notReady)` when the daemon cannot close now (answered 503), anything else
    /// when the close could not run (answered 409).
    typealias CloseHandler = @Sendable (AdminCloseRequest) async throws -> String

    let metrics: DaemonMetrics
    let status: DaemonStatus
    /// The bearer token `/admin/close` requires; nil or empty disables the endpoint (403).
    let adminToken: String?
    let close: CloseHandler
    /// Answers `GET /v1/invoices/explain`; nil: not served (404).
    var explain: ExplainHandler? = nil
    /// Running invoices (`GET /v1/invoices/preview`, the status page); nil answers 503.
    var previews: InvoicePreviews? = nil

    /// The application, bound to `host:port`; `onBound` receives the actual port (for port 0).
    func application(
        host: String,
        port: Int,
        logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let metrics = self.metrics
        let status = self.status
        let adminToken = self.adminToken
        let close = self.close
        router.get("metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.render())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer)
            )
        }
        router.get("healthz") { _, _ -> Response in
            Self.text(.ok, "ok\n")
        }
        router.get("readyz") { _, _ -> Response in
            let reasons = status.notReadyReasons()
            // Pending deliveries are listed but never make it 503 (a stalled blob store must
            // not stop consumption or other closes).
            let lines = (reasons.isEmpty ? ["ready"] : reasons) + status.readinessDetail()
            return Self.text(reasons.isEmpty ? .ok : .serviceUnavailable, lines.joined(separator: "\n") + "\n")
        }
        router.post("admin/close") { request, _ -> Response in
            guard let adminToken, !adminToken.isEmpty else {
                return Self.text(.forbidden, "admin endpoint disabled: set admin.token_file to a non-empty file\n")
            }
            guard let header = request.headers[.authorization], Self.bearerMatches(header, token: adminToken) else {
                return Response(
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                    body: .init(byteBuffer: ByteBuffer(string: "unauthorized\n")))
            }
            let query = request.uri.queryParameters
            let closeRequest: AdminCloseRequest
            do {
                closeRequest = try AdminCloseRequest(
                    period: query.get("period"),
                    ob: query.get("ob"),
                    force: query.get("force")
                )
            } catch {
                return Self.text(.badRequest, "\(error)\n")
            }
            do {
                let report = try await close(closeRequest)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: report)))
            } catch let error as DaemonError where error.code == .notReady {
                return Self.notReady(error)
            } catch {
                return Self.text(.conflict, "\(error)\n")
            }
        }
        Self.registerExplain(router, explain: explain)
        addPreviewRoutes(to: router)
        addStatusPage(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "aura-billing"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// The daemon's close handler: runs `closing` for the request and encodes its report
    /// (sorted keys). A one-machine `closing` refuses while the daemon is not ready (503).
    static func closeHandler(_ closing: any PeriodClosing) -> CloseHandler {
        { request in
            let report = try await closing.close(.period(request.period, ob: request.ob, force: request.force))
            return try encode(report)
        }
    }

    /// `report` as JSON with sorted keys and a final newline.
    static func encode(_ report: CloseReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 503 with a `CloseReport` whose `not_ready` holds one daemon-level entry,
    /// `daemon not ready: <reasons>`, so `aura-billing close` and scripts read one shape.
    static func notReady(_ error: DaemonError) -> Response {
        let report = CloseReport(notReady: ["daemon not ready: \(error.message)"])
        let body = (try? encode(report)) ?? "{}\n"
        return Response(
            status: .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Constant-time comparison of `Authorization: Bearer <token>` with the expected token.
    /// An empty expected token matches nothing.
    static func bearerMatches(_ header: String, token: String) -> Bool {
        let prefix = "Bearer "
        guard !token.isEmpty, header.hasPrefix(prefix) else { return false }
        let given = Array(header.utf8.dropFirst(prefix.utf8.count))
        let expected = Array(token.utf8)
        var diff = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<max(given.count, expected.count) {
            let a = i < given.count ? given[i] : 0
            let b = i < expected.count ? expected[i] : 0
            diff |= a ^ b
        }
        return diff == 0
    }
}
