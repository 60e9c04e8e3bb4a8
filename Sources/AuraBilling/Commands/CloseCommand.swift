import ArgumentParser
import Foundation
import HTTPTransport
import StreamDaemon

/// `aura-billing close`: asks the running daemon to close a period, through its admin endpoint;
/// or, with a `--config` that has `state.changelog_topic` (scale-out), closes it itself from the
/// changelog and close topics, with any number of daemon instances running.
struct CloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Ask a running daemon to close a period (through its admin endpoint).",
        discussion: """
            Sends POST /admin/close?period=…[&ob=…][&force=true] with the bearer token from \
            admin.token_file, to http.address of --config (or --url). Prints the daemon's JSON \
            report; exits non-zero when a period was not ready (use --force), a close failed, or \
            the daemon itself is not ready (HTTP 503: no partitions assigned yet, lag unknown). \
            With a --config that has state.changelog_topic and no --url, closes through Kafka \
            itself: reads every partition's state from the changelog, posts a close request, \
            waits for the instances to freeze the period, writes and delivers the invoice.
            """
    )

    @Option(help: "Period to close, YYYY-MM.")
    var period: String

    @Option(help: "Only this OB (ISO 3166 alpha-3); default: every OB with events in the period.")
    var ob: String?

    @Flag(help: "Close even if the period is not ready (recorded in the manifest).")
    var force = false

    @Option(help: "The daemon's configuration (for http.address and admin.token_file).")
    var config: String?

    @Option(help: "Base URL of the daemon's HTTP endpoint (overrides --config).")
    var url: String?

    @Option(help: "File holding the admin bearer token (overrides --config).")
    var tokenFile: String?

    func run() async throws {
        _ = try AdminCloseRequest(period: period, ob: ob, force: force ? "true" : nil)
        var settings: DaemonConfiguration?
        if let config { settings = try await DaemonConfiguration.load(path: config) }
        if url == nil, let settings, settings.isScaledOut {
            try await closeThroughKafka(settings)
            return
        }
        guard let base = url ?? settings.map({ "http://" + $0.httpAddress }) else {
            throw ValidationError("give --config or --url")
        }
        guard let tokenPath = tokenFile ?? settings?.adminTokenFile, let token = try Daemon.secret(tokenPath) else {
            throw ValidationError("give --token-file or a --config with admin.token_file")
        }
        let query = "period=\(period)" + (ob.map { "&ob=\($0)" } ?? "") + (force ? "&force=true" : "")
        let target = base.hasSuffix("/") ? String(base.dropLast()) : base
        let response = try await Blocking.run {
            try HTTPClient(connectTimeout: .seconds(10), timeout: .seconds(600))
                .post("\(target)/admin/close?\(query)", headers: [("Authorization", "Bearer \(token)")], body: [])
        }
        let body = String(decoding: response.body, as: UTF8.self)
        print(body, terminator: body.hasSuffix("\n") ? "" : "\n")
        guard response.status == 200 else {
            // 503: the daemon is not ready (its body is a report whose not_ready says why).
            throw DaemonError(
                .close, "the daemon answered HTTP \(response.status)", source: HTTPTransportError.redacting(target))
        }
        let report = try JSONDecoder().decode(CloseReport.self, from: Data(response.body))
        if !report.notReady.isEmpty || !report.errors.isEmpty { throw ExitCode.failure }
    }

    /// The scale-out close, run in this process (see `DistributedCloser`).
    private func closeThroughKafka(_ settings: DaemonConfiguration) async throws {
        let report = try await Daemon(configuration: settings).closeThroughChangelog(
            .period(period, ob: ob, force: force))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        if !report.notReady.isEmpty || !report.errors.isEmpty { throw ExitCode.failure }
    }
}
