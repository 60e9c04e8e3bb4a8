import Avro
package import Logging

/// `aura-billing replay`: Avro container files through decode → aggregate → checkpoint.
///
/// Each file is a partition (`topic` = its path, `partition` 0, offset = record index), so a
/// replay with a state directory resumes after a crash exactly where its last checkpoint left
/// off and produces the same result as an uninterrupted run. Synchronous and blocking.
package struct ReplayRunner {
    package struct Options: Sendable {
        /// Close (OB, period) pairs once they are ready with this grace (checked as events
        /// arrive; each file is a partition, see `run`); `nil` never closes, so nothing is late.
        package var graceMs: Int64?
        /// Checkpoint directory; `nil` runs in memory only.
        package var stateDirectory: String?
        /// Checkpoint after this many records (and after each file).
        package var checkpointEveryRecords: Int = 100_000
        /// Report progress (`<file>: <record index> records`) every this many records this run.
        package var progressEveryRecords: Int = 500_000
        /// Test hook: stop abruptly (no checkpoint) after this many records this run, throwing
        /// `.simulatedCrash` — the effect of `kill -9` between two checkpoints.
        package var crashAfterRecords: Int?

        package init(graceMs: Int64? = nil, stateDirectory: String? = nil) {
            self.graceMs = graceMs
            self.stateDirectory = stateDirectory
        }
    }

    package let zones: OBTimeZones
    package let options: Options
    let logger: Logger
    let progress: (String) -> Void

    /// - Parameter progress: receives a line now and then (the command prints it on stderr).
    package init(
        zones: OBTimeZones, options: Options, logger: Logger = Logger(label: "aura.replay"),
        progress: @escaping (String) -> Void = { _ in }
    ) {
        self.zones = zones
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    /// Replays `files` in order (resuming from the state directory if it has a checkpoint).
    ///
    /// With a grace period, an (OB, period) closes when every file's watermark is past its end
    /// plus the grace, where files already read count as idle (past everything) and files not
    /// yet started hold every period open.
    package func run(files: [String]) throws(AggregationError) -> PartitionState {
        try runCounting(files: files).state
    }

    /// `run(files:)`, also returning how many records this run processed (fewer than the files
    /// hold when it resumed from a checkpoint).
    package func runCounting(files: [String]) throws(AggregationError) -> (state: PartitionState, processed: Int) {
        let store = options.stateDirectory.map { CheckpointStore(directory: $0, name: "replay", logger: logger) }
        var state =
            try store?.loadForStart(zones: zones, expectingOffsets: false)?.state ?? PartitionState(zones: zones)
        let audit = try AuditEventExtractor()
        let gateway = try GatewayEventExtractor()
        var processedThisRun = 0
        var sinceCheckpoint = 0
        let allFiles = files.map { PartitionKey(topic: $0, partition: 0) }
        var finished: Set<String> = []
        var statsSeen = -1
        var closeDue = Int64.min
        for path in files {
            defer { finished.insert(path) }
            let source = state.source(PartitionKey(topic: path, partition: 0))
            let skip = max(0, state.partitions[source].nextOffset)
            let reader: AvroContainerReader
            do {
                reader = try AvroContainerReader(path: path)
            } catch {
                throw AggregationError(.decode, "\(error)", source: path)
            }
            enum Kind { case audit, gateway }
            let kind: Kind
            let decoder: AvroRecordDecoder
            if let d = try? audit.decoder(writer: reader.writerSchema) {
                (kind, decoder) = (.audit, d)
            } else if let d = try? gateway.decoder(writer: reader.writerSchema) {
                (kind, decoder) = (.gateway, d)
            } else {
                throw AggregationError(
                    .decode, "the writer schema is neither Aura_Audit nor Aura_Gateway_Message", source: path)
            }
            var values = AvroValues(count: decoder.fieldCount)
            var dates = EventTime.DateCache()
            var index: Int64 = 0
            var failure: AggregationError?
            do {
                try reader.forEachBlockOfRecords { block in
                    let blockOffset = block.fileOffset
                    // A framing fault of the whole block, named by file and block.
                    func blockFault(_ error: AvroError) -> AggregationError {
                        AggregationError(.decode, error.message, source: "\(path) (block at byte \(blockOffset))")
                    }
                    // A count the block cannot hold is a corrupt file, not records to quarantine.
                    do throws(AvroError) { try block.checkCount(for: decoder) } catch { throw blockFault(error) }
                    let blockEnd = index + Int64(block.count)  // record index past this block
                    while index < blockEnd {
                        let record = index
                        index += 1
                        do {
                            try block.decodeRecord(decoder, into: &values)
                        } catch {
                            // The rest of the block cannot be framed: quarantine its records.
                            logger.warning(
                                "undecodable record; quarantining the rest of its block",
                                metadata: ["file": "\(path)", "block": "\(blockOffset)", "error": "\(error)"])
                            for rest in record..<blockEnd where rest >= skip {
                                state.recordQuarantined(source: source, offset: rest)
                            }
                            index = blockEnd
                            return
                        }
                        if record < skip { continue }
                        do {
                            switch kind {
                            case .audit: try state.ingest(try audit.event(values, dates: &dates), source: source)
                            case .gateway: try state.ingest(try gateway.event(values, dates: &dates), source: source)
                            }
                            state.markConsumed(source: source, offset: record)
                        } catch {
                            state.recordQuarantined(source: source, offset: record)
                        }
                        if let grace = options.graceMs,
                            state.stats.count != statsSeen || state.partitions[source].watermarkMs >= closeDue
                        {
                            // Every file is a partition: files not started yet hold readiness
                            // back; finished ones are idle for good (they send nothing more).
                            state.closeReadyPeriods(
                                graceMs: grace, nowMs: .max, assigned: allFiles,
                                isIdle: { finished.contains($0.topic) })
                            statsSeen = state.stats.count
                            closeDue = state.nextCloseDueMs(graceMs: grace)
                        }
                        processedThisRun += 1
                        sinceCheckpoint += 1
                        if let crash = options.crashAfterRecords, processedThisRun >= crash {
                            throw AggregationError(
                                .simulatedCrash, "stopped after \(processedThisRun) records", source: path)
                        }
                        if let store, sinceCheckpoint >= options.checkpointEveryRecords {
                            try store.save(&state)
                            sinceCheckpoint = 0
                        }
                        if processedThisRun % options.progressEveryRecords == 0 {
                            progress("\(path): \(index) records")
                        }
                    }
                    do throws(AvroError) { try block.checkEnd() } catch { throw blockFault(error) }
                }
            } catch let error as AggregationError {
                failure = error
            } catch {
                failure = AggregationError(.decode, "\(error)", source: path)
            }
            if let failure { throw failure }
            if let store, sinceCheckpoint > 0 {
                try store.save(&state)
                sinceCheckpoint = 0
            }
            progress("\(path): \(index) records done")
        }
        return (state, processedThisRun)
    }
}
