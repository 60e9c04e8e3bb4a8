import ArgumentParser
import Foundation
import Invoicing
import StreamDaemon

/// `aura-billing validate-config`: Check the configuration and tariff catalogs; report every problem with file and line.
struct ValidateConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-config",
        abstract: "Check the configuration and tariff catalogs; report every problem with file and line.",
        discussion: """
            Prints every problem as `file:line: message` and exits non-zero when there is any. \
            Without --catalog, the catalogs at the configuration's tariffs.path are checked.
            """
    )

    @Option(name: .long, help: "The daemon's YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "A tariff catalog file or a directory of them (overrides tariffs.path).")
    var catalog: String?

    func run() async throws {
        guard config != nil || catalog != nil else {
            throw ValidationError("give --config FILE and/or --catalog PATH")
        }
        let (config, catalog) = (self.config, self.catalog)
        let (problems, catalogPath) = try await Blocking.run { () -> ([CatalogProblem], String?) in
            var problems: [CatalogProblem] = []
            var catalogPath = catalog
            if let config {
                // Required keys may come from the environment, as they do for `aura-billing run`.
                let validator = ConfigurationValidator(environment: ProcessInfo.processInfo.environment)
                let report = validator.validate(path: config)
                problems += report.problems
                if catalogPath == nil { catalogPath = report.tariffsPath }
            }
            if let catalogPath {
                problems += TariffCatalogSet.validate(path: catalogPath)
            }
            return (problems, catalogPath)
        }
        for problem in problems { print(problem.description) }
        if problems.isEmpty {
            print(
                "OK: "
                    + [config.map { "configuration \($0)" }, catalogPath.map { "catalogs \($0)" }]
                    .compactMap { $0 }.joined(separator: ", "))
        } else {
            print("\(problems.count) problem(s)")
        }
        fflushStdout()
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
