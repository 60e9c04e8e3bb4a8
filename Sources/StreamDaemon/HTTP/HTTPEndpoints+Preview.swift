import Foundation
import Hummingbird
import NIOCore

extension HTTPEndpoints {
    /// `GET /v1/invoices/preview?ob=ESP[&period=YYYY-MM]`: the running invoice as JSON
    /// (`InvoicePreview`). 400 for malformed parameters, 404 for an unknown OB or period, 503
    /// while there is no state to price from; every error is `{"error": …, "parameter": …}`.
    func addPreviewRoutes(to router: Router<BasicRequestContext>) {
        let previews = self.previews
        router.get("v1/invoices/preview") { request, _ -> Response in
            guard let previews else {
                return Self.jsonError(.serviceUnavailable, DaemonError(.notReady, "previews are not available here"))
            }
            let query = request.uri.queryParameters
            do {
                let preview = try await previews.preview(
                    try PreviewRequest(ob: query.get("ob"), period: query.get("period")))
                return Self.json(.ok, try preview.encoded())
            } catch let error as DaemonError {
                return Self.jsonError(Self.httpStatus(of: error), error)
            } catch {
                return Self.jsonError(.internalServerError, DaemonError(.close, "\(error)"))
            }
        }
    }

    /// The HTTP status of a preview's or an explanation's error.
    static func httpStatus(of error: DaemonError) -> HTTPResponse.Status {
        switch error.code {
        case .usage: .badRequest
        case .notFound: .notFound
        case .notReady: .serviceUnavailable
        default: .internalServerError
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `{"code": …, "error": …, "parameter": …}`: the message names what is unknown or malformed.
    static func jsonError(_ status: HTTPResponse.Status, _ error: DaemonError) -> Response {
        var object = ["code": error.code.rawValue, "error": error.message]
        if let source = error.source { object["parameter"] = source }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return json(status, String(decoding: data, as: UTF8.self) + "\n")
    }
}
