import Avro
import Logging

/// One container file being replayed: its kind, decoder, and the reused buffers of a block's
/// events (no allocation per record or per block once they have grown to the largest block).
struct ReplayFile {
    enum Kind { case audit, gateway }

    let path: String
    let kind: Kind
    let decoder: AvroRecordDecoder
    private let audit: AuditEventExtractor
    private let gateway: GatewayEventExtractor
    private var values: AvroValues
    private var dates = EventTime.DateCache()
    /// The block's events (of `kind`), pointing into the block's buffer: valid until the block
    /// is done, emptied before the next one.
    private var auditEvents: [AuditEvent] = []
    private var gatewayEvents: [GatewayEvent] = []
    /// The record index of each event.
    private var offsets: [Int64] = []
    private var outcomes: [Result<PartitionState.Outcome, AggregationError>] = []

    /// Picks the decoder for the file's writer schema (Aura_Audit or Aura_Gateway_Message).
    init(writer: AvroSchema, path: String) throws(AggregationError) {
        audit = try AuditEventExtractor()
        gateway = try GatewayEventExtractor()
        if let d = try? audit.decoder(writer: writer) {
            (kind, decoder) = (.audit, d)
        } else if let d = try? gateway.decoder(writer: writer) {
            (kind, decoder) = (.gateway, d)
        } else {
            throw AggregationError(
                .decode, "the writer schema is neither Aura_Audit nor Aura_Gateway_Message", source: path)
        }
        self.path = path
        values = AvroValues(count: decoder.fieldCount)
    }

    /// Decodes the records `blockStart..<stop` of `block` (whose first record has index
    /// `blockStart`) into this block's events, keeping those at `skip` or later; a record whose
    /// fields cannot be turned into an event is quarantined. Returns false when a record cannot
    /// be framed: the records from it to the block's end are then quarantined (the events
    /// before it stay, to be counted).
    mutating func decode(
        _ block: inout AvroBlock, from blockStart: Int64, skipping skip: Int64, upTo stop: Int64, source: Int,
        state: inout PartitionState, logger: Logger
    ) -> Bool {
        auditEvents.removeAll(keepingCapacity: true)
        gatewayEvents.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        // The values move into a local for the block (and back after it): an `inout` stored
        // property passed per record costs a retain and release each, a local does not.
        var local = AvroValues(moving: &values)
        defer { values = AvroValues(moving: &local) }
        var record = blockStart
        while record < stop {
            do {
                try block.decodeRecord(decoder, into: &local)
            } catch {
                // The rest of the block cannot be framed: quarantine its records.
                logger.warning(
                    "undecodable record; quarantining the rest of its block",
                    metadata: ["file": "\(path)", "block": "\(block.fileOffset)", "error": "\(error)"])
                let end = blockStart + Int64(block.count)
                for rest in max(record, skip)..<max(end, skip) {
                    state.recordQuarantined(source: source, offset: rest)
                }
                return false
            }
            defer { record += 1 }
            if record < skip { continue }
            do throws(AggregationError) {
                switch kind {
                case .audit: auditEvents.append(try audit.event(local, dates: &dates))
                case .gateway: gatewayEvents.append(try gateway.event(local, dates: &dates))
                }
                offsets.append(record)
            } catch {
                state.recordQuarantined(source: source, offset: record)
            }
        }
        return true
    }

    /// Counts the block's events: as one batch, or with a grace period one at a time, each
    /// followed by the close check (so closes, and late events, fall exactly where a
    /// record-by-record replay puts them). An event that cannot be counted is quarantined.
    mutating func count(source: Int, run: inout ReplayRun, graceMs: Int64?) {
        guard let last = offsets.last else { return }
        if let graceMs {
            for k in offsets.indices {
                do throws(AggregationError) {
                    switch kind {
                    case .audit: try run.state.ingest(auditEvents[k], source: source)
                    case .gateway: try run.state.ingest(gatewayEvents[k], source: source)
                    }
                    run.state.markConsumed(source: source, offset: offsets[k])
                } catch {
                    run.state.recordQuarantined(source: source, offset: offsets[k])
                }
                run.closeIfDue(source: source, graceMs: graceMs)
            }
            return
        }
        switch kind {
        case .audit: run.state.ingest(auditEvents, source: source, outcomes: &outcomes)
        case .gateway: run.state.ingest(gatewayEvents, source: source, outcomes: &outcomes)
        }
        for (k, outcome) in outcomes.enumerated() {
            if case .failure = outcome { run.state.recordQuarantined(source: source, offset: offsets[k]) }
        }
        run.state.markConsumed(source: source, offset: last)
    }
}
