import ArgumentParser
import Foundation
import Invoicing
import StreamDaemon

/// `aura-billing reprice`: what-if pricing of a period's usage under a candidate catalog.
struct RepriceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprice",
        abstract: "Price a period's usage under a candidate catalog next to what was issued (writes nothing).",
        discussion: """
            Validates the candidate catalog first (every problem as file:line: message, exit 1). \
            Then loads the usage read-only — from --state DIR (a replay's or the daemon's state \
            directory) or from --config FILE (the daemon's state.dir, or scaled out its changelog \
            states) — builds each OB's invoice input exactly as the close does and prices it with \
            the candidate. "Issued" is the closed invoice (latest revision: manifest totals and \
            workbook lines) when the period is closed and its invoice is found (--invoices, or \
            invoices.dir of --config); otherwise the usage priced under the current catalog \
            (--current-catalog, or tariffs.path of --config); each OB says which. Shows per OB and \
            component issued, candidate and difference (candidate − issued), and the totals per \
            currency. Nothing is closed, written, numbered or delivered; --out is the only file \
            written.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, xlsx
    }

    @Option(help: "Period, YYYY-MM.")
    var period: String

    @Option(help: "Candidate tariff catalog: a YAML file or a directory of them.")
    var catalog: String

    @Option(help: "Only this OB (ISO 3166 alpha-3).")
    var ob: String?

    @Option(help: "Output format (xlsx needs --out).")
    var format: Format = .table

    @Option(help: "Write the output to this file instead of stdout.")
    var out: String?

    @Option(
        help: "The daemon's configuration: its state.dir (or changelog), tariffs.path, invoices.dir, dimensions.dir.")
    var config: String?

    @Option(help: "A state directory (aura-billing replay --state DIR, or the daemon's state.dir).")
    var state: String?

    @Option(help: "With --state: the invoice directory of the closed invoices.")
    var invoices: String?

    @Option(help: "With --state: the catalog in force, for periods without a closed invoice at hand.")
    var currentCatalog: String?

    @Option(help: "With --state: the dimension directory (names and OB time zones).")
    var dimensions: String?

    func validate() throws {
        guard (config == nil) != (state == nil) else {
            throw ValidationError("give exactly one of --config and --state")
        }
        if config != nil, invoices != nil || currentCatalog != nil || dimensions != nil {
            throw ValidationError("--invoices, --current-catalog and --dimensions only apply with --state")
        }
        if format == .xlsx, out == nil { throw ValidationError("--format xlsx needs --out FILE") }
        if let ob, ob.count != 3 || !ob.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            throw ValidationError("--ob must be 3 uppercase letters")
        }
    }

    func run() async throws {
        let problems = RepriceJob.problems(candidatePath: catalog)
        if !problems.isEmpty {
            let text =
                problems.map { $0.description + "\n" }.joined()
                + "\(problems.count) problem(s) in the candidate catalog\n"
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(1)
        }
        let source: RepriceJob.Source
        if let config {
            source = .configuration(try await DaemonConfiguration.load(path: config))
        } else {
            source = .stateDirectory(state!)
        }
        var job = RepriceJob(period: period, ob: ob, candidatePath: catalog, source: source)
        job.invoicesDirectory = invoices
        job.currentCatalogPath = currentCatalog
        job.dimensionsDirectory = dimensions
        let (format, out, repricing) = (self.format, self.out, job)
        try await Blocking.run {
            let report = try repricing.run()
            guard !report.invoices.isEmpty else {
                throw DaemonError(
                    .usage,
                    "nothing to reprice: no usage \(repricing.ob.map { "of \($0) " } ?? "")in \(repricing.period) in the state"
                )
            }
            let data: Data
            switch format {
            case .table: data = Data(report.table().utf8)
            case .json: data = try report.json()
            case .xlsx: data = try report.workbook()
            }
            if let out {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}
