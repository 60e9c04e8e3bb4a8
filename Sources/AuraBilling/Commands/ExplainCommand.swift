import ArgumentParser
import Foundation
import HTTPTransport
import StreamDaemon

/// `aura-billing explain`: the quantities, price bands, late events and inputs behind each line
/// of an OB's invoice for a period, closed or open.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain the lines of an OB's invoice for a period (closed or open).",
        discussion: """
            For each line: the quantity per app and service and per local day, the price bands \
            applied (quantity × unit price, so the amount is reproduced by hand), the late events \
            in it with their original periods, duplicates dropped, and the inputs (offset ranges \
            or files) it came from. Without --state, asks the running daemon (GET \
            /v1/invoices/explain on http.address of --config, or --url). With --state DIR, reads \
            that state directory (a `replay --state` run's, or a stopped daemon's) read-only, \
            pricing with the catalog and names of --config (or --catalog and --dimensions) and \
            reading closed invoices' manifests from invoices.dir (or --invoices). Exits 1 when \
            the OB, period or component is unknown.
            """
    )

    @Option(help: "The OB (ISO 3166 alpha-3).")
    var ob: String

    @Option(help: "The period, YYYY-MM.")
    var period: String

    @Option(help: "Only this component's line (`requests` for the requests line).")
    var component: String?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "The daemon's configuration (http.address; with --state: tariffs, dimensions, invoices.dir).")
    var config: String?

    @Option(help: "State directory to read offline (read-only) instead of asking the daemon.")
    var state: String?

    @Option(help: "With --state: tariff catalog (YAML file or directory), overrides --config.")
    var catalog: String?

    @Option(help: "With --state: dimension directory (names, OB time zones), overrides --config.")
    var dimensions: String?

    @Option(help: "With --state: invoice directory of the closed invoices' manifests, overrides --config.")
    var invoices: String?

    @Option(help: "Base URL of the daemon's HTTP endpoint (overrides --config).")
    var url: String?

    enum OutputFormat: String, ExpressibleByArgument {
        case table, json
    }

    func validate() throws {
        if state == nil, catalog != nil || dimensions != nil || invoices != nil {
            throw ValidationError("--catalog, --dimensions and --invoices only apply with --state")
        }
        if state != nil, url != nil { throw ValidationError("give --state or --url, not both") }
        if state != nil, config == nil, catalog == nil { throw ValidationError("--state needs --config or --catalog") }
        if state == nil, config == nil, url == nil { throw ValidationError("give --config, --url or --state") }
    }

    func run() async throws {
        let request: ExplainRequest
        do { request = try ExplainRequest(ob: ob, period: period, component: component) } catch {
            throw ValidationError("\(error)")
        }
        let settings = try await config.asyncMap { try await DaemonConfiguration.load(path: $0) }
        let explanation: InvoiceExplanation
        do {
            if let state {
                explanation = try await offline(request, stateDir: state, settings: settings)
            } else {
                explanation = try await fromDaemon(request, settings: settings)
            }
        } catch let error as DaemonError {
            FileHandle.standardError.write(Data("explain: \(error)\n".utf8))
            throw ExitCode.failure
        }
        switch format {
        case .json:
            FileHandle.standardOutput.write(try explanation.json())
        case .table:
            FileHandle.standardOutput.write(Data(explanation.table().utf8))
        }
    }

    private func offline(_ request: ExplainRequest, stateDir: String, settings: DaemonConfiguration?) async throws
        -> InvoiceExplanation
    {
        let context = try InvoicingContext(
            tariffsPath: catalog ?? settings?.tariffsPath, dimensionsDir: dimensions ?? settings?.dimensionsDir)
        let invoicesDir = invoices ?? settings?.invoicesDir
        let horizon = settings?.lateHorizonMs
        return try await Blocking.run {
            let loaded = try LineExplaining.loadState(directory: stateDir, zones: try context.snapshot.timeZones())
            // A daemon's state compacts periods past the late horizon; a replay's never does.
            let explaining = LineExplaining(
                context: context, invoicesDir: invoicesDir, stateDir: stateDir,
                lateHorizonMs: loaded.replay ? nil : horizon)
            return try explaining.explain(request, state: loaded.state, replayFiles: loaded.replay)
        }
    }

    private func fromDaemon(_ request: ExplainRequest, settings: DaemonConfiguration?) async throws
        -> InvoiceExplanation
    {
        guard let base = url ?? settings.map({ "http://" + $0.httpAddress }) else {
            throw ValidationError("give --config or --url")
        }
        var query = "ob=\(request.ob)&period=\(request.period)"
        if let component = request.component {
            query += "&component=" + (component.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        let target = base.hasSuffix("/") ? String(base.dropLast()) : base
        let address = "\(target)/v1/invoices/explain?\(query)"
        let response = try await Blocking.run {
            try HTTPClient(connectTimeout: .seconds(10), timeout: .seconds(120)).get(address)
        }
        guard response.status == 200 else {
            let body = String(decoding: response.body, as: UTF8.self)
            throw DaemonError(
                .notFound, "the daemon answered HTTP \(response.status): \(body.trimmingCharacters(in: .newlines))",
                source: HTTPTransportError.redacting(target))
        }
        return try InvoiceExplanation.decode(Data(response.body))
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
