import ArgumentParser
import Foundation
import HTTPTransport
import StreamDaemon

/// `aura-billing preview`: the running invoice of an OB, as the close would write it now, asked
/// of the running daemon (`GET /v1/invoices/preview` at http.address of --config).
struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show the running (provisional) invoice of an OB, from the running daemon.",
        discussion: """
            Sends GET /v1/invoices/preview?ob=…[&period=…] to http.address of --config (or --url) \
            and prints the invoice as it would close now — same lines, rounding and total as the \
            close — with its freshness and readiness. Exits 1 when the daemon answers an error \
            (404: unknown OB or period; 400: malformed; 503: no state yet).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "The OB (ISO 3166 alpha-3), e.g. ESP.")
    var ob: String

    @Option(help: "Period YYYY-MM; default: the OB's current open period (the month now in its time zone).")
    var period: String?

    @Option(help: "Output: table or json.")
    var format: Format = .table

    @Option(help: "The daemon's configuration (for http.address).")
    var config: String?

    @Option(help: "Base URL of the daemon's HTTP endpoint (overrides --config).")
    var url: String?

    func run() async throws {
        do {
            _ = try PreviewRequest(ob: ob, period: period)
        } catch {
            throw ValidationError(error.message)
        }
        var base = url
        if base == nil, let config { base = "http://" + (try await DaemonConfiguration.load(path: config)).httpAddress }
        guard let base else { throw ValidationError("give --config or --url") }
        let target = base.hasSuffix("/") ? String(base.dropLast()) : base
        let query = "ob=\(ob)" + (period.map { "&period=\($0)" } ?? "")
        let response = try await Blocking.run {
            try HTTPClient(connectTimeout: .seconds(10), timeout: .seconds(60))
                .get("\(target)/v1/invoices/preview?\(query)")
        }
        let body = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            FileHandle.standardError.write(Data("the daemon answered HTTP \(response.status): \(body)".utf8))
            throw ExitCode.failure
        }
        switch format {
        case .json:
            print(body, terminator: body.hasSuffix("\n") ? "" : "\n")
        case .table:
            let preview = try JSONDecoder().decode(InvoicePreview.self, from: Data(response.body))
            print(preview.table(), terminator: "")
        }
    }
}
