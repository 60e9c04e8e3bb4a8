import Foundation

/// One month of a soak as printed: measured once the month's messages are consumed and
/// checkpointed, the previous month is closed and the expired keys are gone.
struct SoakMonthLine {
    /// The month published, `YYYY-MM`.
    var month: String
    /// Messages published for the month (audit and gateway, duplicates, late and corrupt ones).
    var events: Int
    /// `aura_dedup_keys` (equal to the keys in the checkpoints when the line is taken).
    var dedupKeys: Int
    /// `aura_open_aggregate_rows`: audit and gateway rows held, closed periods' included.
    var rows: Int
    /// Bytes under the state directory: each partition's newest checkpoint, close journals (`SoakStateOnDisk.bytes`).
    var stateBytes: Int64
    /// The daemon's `/proc/<pid>/io` write_bytes since the previous line, per message published.
    var writtenPerEvent: Double
    /// The daemon's VmRSS.
    var residentBytes: Int64
    /// `aura_process_heap_in_use_bytes` at the end of the idle window: the live heap (nil when
    /// the daemon does not export it).
    var heapInUse: Int64? = nil
    /// `aura_process_heap_free_bytes` then: heap free but held by the allocator.
    var heapFree: Int64? = nil
    /// Upper bound of the histogram bucket holding the p99 of this month's checkpoint durations.
    var checkpointP99: Double?
    /// The state's totals per (OB, period) equal the generator's, every month so far.
    var equal: Bool

    static let header =
        "month      events  dedup_keys     rows  state_bytes  written/event    rss_mib  heap_mib  free_mib  ckpt_p99  invoices_equal"

    var text: String {
        let p99 =
            checkpointP99.map { $0.isInfinite ? ">5s" : "<=" + Self.trim($0) + "s" } ?? "-"
        return month.padding(toLength: 7, withPad: " ", startingAt: 0)
            + Self.left(String(events), 10) + Self.left(String(dedupKeys), 12)
            + Self.left(String(rows), 9) + Self.left(String(stateBytes), 13)
            + Self.left(String(format: "%.0f", writtenPerEvent), 15)
            + Self.left(Self.mebibytes(residentBytes), 11) + Self.left(heapInUse.map(Self.mebibytes) ?? "-", 10)
            + Self.left(heapFree.map(Self.mebibytes) ?? "-", 10) + Self.left(p99, 10)
            + "  " + (equal ? "yes" : "NO")
    }

    /// The flatness rule: from the third month on (the first whose line comes after a closed
    /// month passed the late horizon and was compacted), dedup keys, state bytes on disk and the
    /// daemon's RSS stay within `tolerance` of the third month's values. Returns nil when flat, else why not; with fewer
    /// than four months there is nothing to compare and the result is nil.
    static func flatness(_ lines: [SoakMonthLine], tolerance: Double) -> String? {
        guard lines.count >= 4 else { return nil }
        let base = lines[2]
        var problems: [String] = []
        for line in lines.dropFirst(3) {
            if !within(Double(line.dedupKeys), Double(base.dedupKeys), tolerance) {
                problems.append("\(line.month): \(line.dedupKeys) dedup keys vs \(base.dedupKeys) in \(base.month)")
            }
            if !within(Double(line.stateBytes), Double(base.stateBytes), tolerance) {
                problems.append("\(line.month): \(line.stateBytes) state bytes vs \(base.stateBytes) in \(base.month)")
            }
            if !within(Double(line.residentBytes), Double(base.residentBytes), tolerance) {
                problems.append(
                    "\(line.month): \(line.residentBytes) bytes of RSS vs \(base.residentBytes) in \(base.month)")
            }
        }
        guard !problems.isEmpty else { return nil }
        let more = problems.count > 3 ? "; … (\(problems.count) in all)" : ""
        return problems.prefix(3).joined(separator: "; ") + more
    }

    static func within(_ value: Double, _ base: Double, _ tolerance: Double) -> Bool {
        abs(value - base) <= tolerance * base
    }

    static func mebibytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

    static func left(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }

    static func trim(_ x: Double) -> String {
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
