import Aggregation
import Foundation
package import Invoicing
import Logging

/// `aura-billing reprice`: prices a period's usage under a candidate catalog next to what was
/// issued (`Repricer`), from a state directory or from the daemon's configuration (its
/// `state.dir`, or scaled out its changelog states, with its current catalog and invoices).
/// Writes nothing. Synchronous and blocking: call `run()` on a blocking thread.
package struct RepriceJob: Sendable {
    /// Where the usage comes from.
    package enum Source: Sendable {
        /// A state directory (`replay --state DIR` or a daemon's `state.dir`).
        case stateDirectory(String)
        /// The daemon's configuration: `state.dir` (or the changelog when scaled out),
        /// `tariffs.path`, `invoices.dir`, `dimensions.dir`.
        case configuration(DaemonConfiguration)
    }

    package var period: String
    package var ob: String?
    /// The candidate catalog: a YAML file or a directory of them.
    package var candidatePath: String
    package var source: Source
    /// With a state directory: the catalog in force (issued side of periods without an invoice at hand).
    package var currentCatalogPath: String?
    /// With a state directory: where the closed invoices are.
    package var invoicesDirectory: String?
    /// With a state directory: the dimension tables (names and time zones).
    package var dimensionsDirectory: String?

    package init(period: String, ob: String?, candidatePath: String, source: Source) {
        self.period = period
        self.ob = ob
        self.candidatePath = candidatePath
        self.source = source
    }

    /// Every problem of the candidate catalog (`file:line: message`); empty when it is valid.
    package static func problems(candidatePath: String) -> [CatalogProblem] {
        TariffCatalogSet.validate(path: candidatePath)
    }

    /// Loads the usage and the catalogs and compares (see `Repricer`).
    package func run() throws -> RepriceReport {
        guard let period = Period(period) else {
            throw DaemonError(.usage, "--period must be YYYY-MM, not '\(period)'")
        }
        let candidate = try TariffCatalogSet(path: candidatePath)
        var logger = Logger(label: "aura-billing.reprice")
        logger.logLevel = .warning
        let tariffs: String?
        let dimensions: String?
        let invoices: String?
        switch source {
        case .stateDirectory:
            (tariffs, dimensions, invoices) = (currentCatalogPath, dimensionsDirectory, invoicesDirectory)
        case .configuration(let settings):
            (tariffs, dimensions, invoices) = (settings.tariffsPath, settings.dimensionsDir, settings.invoicesDir)
        }
        var snapshot = try InvoicingContext.load(tariffsPath: tariffs, dimensionsDir: dimensions)
        let current = snapshot.catalogs
        // Time zones follow the daemon's rule; without a current catalog, the candidate's name them.
        if snapshot.catalogs == nil { snapshot.catalogs = candidate }
        let zones = try snapshot.timeZones()
        let loaded: RepriceSource
        switch source {
        case .stateDirectory(let directory):
            loaded = try RepriceSource.stateDirectory(directory, zones: zones, logger: logger)
        case .configuration(let settings):
            if settings.isScaledOut {
                let context = try InvoicingContext(tariffsPath: settings.tariffsPath, dimensionsDir: dimensions)
                guard
                    let closer = try settings.makeDistributedCloser(
                        zones: zones, context: context, delivery: nil, metrics: nil,
                        tokens: try settings.makeTokenFetcher(), logger: logger)
                else { throw DaemonError(.configuration, "state.changelog_topic is not set") }
                loaded = try closer.repriceSource()
            } else {
                loaded = try RepriceSource.stateDirectory(
                    settings.stateDir, zones: zones, topics: [settings.kafka.auditTopic, settings.kafka.gatewayTopic],
                    logger: logger)
            }
        }
        let repricer = Repricer(
            period: period, ob: ob, candidate: candidate, candidatePath: candidatePath, current: current,
            invoicesDirectory: invoices, names: snapshot.dimensions.names)
        return try repricer.reprice(state: loaded.state, closed: loaded.closed)
    }
}
