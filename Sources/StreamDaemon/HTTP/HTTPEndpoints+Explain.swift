import Foundation
import Hummingbird
import NIOCore

/// `GET /v1/invoices/explain?ob=ESP&period=2026-10[&component=ID]`: the explanation of an
/// invoice's lines (`InvoiceExplanation`) as JSON. 400 on malformed parameters, 404 naming the
/// unknown OB, period or component, 503 while the daemon is not ready; errors are JSON
/// `{"code": …, "error": …, "parameter": …}`.
extension HTTPEndpoints {
    /// Answers an explain request; nil: the route answers 404 (no explain in this process).
    typealias ExplainHandler = @Sendable (ExplainRequest) async throws -> InvoiceExplanation

    static func registerExplain(_ router: Router<BasicRequestContext>, explain: ExplainHandler?) {
        router.get("v1/invoices/explain") { request, _ -> Response in
            let query = request.uri.queryParameters
            let parsed: ExplainRequest
            do {
                parsed = try ExplainRequest(
                    ob: query.get("ob"), period: query.get("period"), component: query.get("component"))
            } catch {
                return jsonError(.badRequest, error as? DaemonError ?? DaemonError(.usage, "\(error)"))
            }
            guard let explain else {
                return jsonError(.notFound, DaemonError(.notFound, "explain is not served by this process"))
            }
            do {
                let explanation = try await explain(parsed)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try explanation.json(pretty: false))))
            } catch let error as DaemonError {
                return jsonError(httpStatus(of: error), error)
            } catch {
                return jsonError(.internalServerError, DaemonError(.close, "\(error)"))
            }
        }
    }
}
