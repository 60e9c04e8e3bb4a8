package import Aggregation
import Foundation
import Invoicing
import Logging

/// Where `explain` gets its state and records: the running daemon's (the merged state copied on
/// the consumer thread, `LiveStateSnapshots`), or a state directory loaded read-only
/// (`aura-billing explain --state DIR`, after `replay --state` or from a stopped daemon).
package struct LineExplaining: Sendable {
    package let context: InvoicingContext
    /// Where closed invoices' manifests are (`<dir>/<OB>/<YYYY-MM>/manifest[-rN].json`).
    package let invoicesDir: String?
    /// Where close journals are (`<dir>/closes/`).
    package let stateDir: String?
    /// `periods.late_horizon_days` in ms: a closed period past it was compacted out of the
    /// state, so it cannot be explained (nil: never).
    package let lateHorizonMs: Int64?

    package init(context: InvoicingContext, invoicesDir: String?, stateDir: String?, lateHorizonMs: Int64? = nil) {
        self.context = context
        self.invoicesDir = invoicesDir
        self.stateDir = stateDir
        self.lateHorizonMs = lateHorizonMs
    }

    /// Explains `request` from `state`. `replayFiles`: the state's partitions are container
    /// files (a replay's), so an open period's inputs are those files, else Kafka offset ranges.
    /// Blocking (reads manifests and journals, hashes replay files): call it off the
    /// cooperative pool.
    package func explain(_ request: ExplainRequest, state: PartitionState, replayFiles: Bool = false) throws
        -> InvoiceExplanation
    {
        let snapshot = context.snapshot
        guard let catalogs = snapshot.catalogs else {
            throw DaemonError(.configuration, "no tariff catalog: explain needs tariffs.path", source: "tariffs.path")
        }
        if let horizon = lateHorizonMs, let period = Period(request.period),
            state.isBeyondLateHorizon(ob: request.ob, period: period, horizonMs: horizon)
        {
            throw DaemonError(
                .notFound,
                "period \(request.period) of OB \(request.ob) is past its late horizon: its detail was compacted out of "
                    + "the state (its workbook and manifest keep the invoice)", source: "period")
        }
        let closed = try ClosedInvoiceRecord.load(
            invoicesDir: invoicesDir, stateDir: stateDir, ob: request.ob, period: request.period)
        var open = InvoiceInputs()
        if closed == nil {
            let consumed = state.partitions.filter { $0.nextOffset >= 0 }.sorted { $0.key < $1.key }
            if replayFiles {
                open.files = try consumed.map { progress in
                    let path = progress.key.topic
                    return FileManager.default.fileExists(atPath: path)
                        ? try InvoiceInputs.InputFile(hashing: path) : InvoiceInputs.InputFile(path: path, sha256: "")
                }
            } else {
                open.offsets = consumed.map {
                    InvoiceInputs.OffsetRange(
                        topic: $0.key.topic, partition: $0.key.partition, firstOffset: 0, lastOffset: $0.nextOffset - 1)
                }
            }
        }
        return try LineExplainer(state: state, catalogs: catalogs, names: snapshot.dimensions.names)
            .explain(request, closed: closed, openInputs: open)
    }

    /// The daemon's HTTP handler: refuses (`.notReady`) until partitions are assigned and the
    /// state loaded; explains, off the pool, the merged state of the newest live view the
    /// consumer thread published (`LiveStateSnapshots`, shared with the previews: it reflects
    /// everything consumed before the request).
    package static func daemonHandler(
        _ explaining: LineExplaining, control: ConsumerControl, status: DaemonStatus
    ) -> @Sendable (ExplainRequest) async throws -> InvoiceExplanation {
        { request in
            try status.requireReadyToClose()
            let state = try await control.snapshots.current().state
            return try await Blocking.run { try explaining.explain(request, state: state) }
        }
    }

    /// The scaled-out daemon's HTTP handler: any instance answers from the newest changelog
    /// state of every source partition (what a distributed close plans from), read on the
    /// blocking pool; refuses (`.notReady`) while a partition with records has no state there.
    static func changelogHandler(_ explaining: LineExplaining, closer: DistributedCloser, zones: OBTimeZones)
        -> @Sendable (ExplainRequest) async throws -> InvoiceExplanation
    {
        { request in
            try await Blocking.run {
                let view = try closer.readView(try closer.sourcePartitions())
                guard view.missing.isEmpty else {
                    throw DaemonError(
                        .notReady,
                        "no changelog state yet for \(view.missing.map(\.description).joined(separator: ", "))",
                        source: "changelog")
                }
                return try explaining.explain(request, state: try view.merged(zones: zones))
            }
        }
    }

    /// A state directory's state, read-only: a replay's (`replay.*.ckpt`), else every partition
    /// checkpoint in it merged (a stopped daemon's). Returns whether it is a replay's.
    package static func loadState(directory: String, zones: OBTimeZones) throws -> (
        state: PartitionState, replay: Bool
    ) {
        var logger = Logger(label: "aura-billing.explain")
        logger.logLevel = .error
        let replay = CheckpointStore(directory: directory, name: "replay", logger: logger)
        if !replay.generations().isEmpty { return (try replay.load(zones: zones).state, true) }
        let merged = try StateDirectoryReader.mergedState(directory, zones: zones, logger: logger)
        return (merged, false)
    }
}
