import Aggregation
import Foundation
import Invoicing

extension DistributedCloser {
    /// The scale-out side of `CloseExecutor`'s steps for one close: requests in the close topic,
    /// a freeze confirmed by every partition's newest changelog state, and done notes.
    struct Steps: CloseFinishing {
        let closer: DistributedCloser
        /// Every source partition.
        let keys: [PartitionKey]
        /// The close topic as read when the close was planned.
        let log: CloseLog.Summary

        /// 2. Requests: append ours where none counts yet, each with the next invoice number after
        /// the log's, then take the first counted one in the log. A request that lost its number
        /// to a racing closer's does not count (`CloseLog.Summary.add`) and is asked again.
        func record(_ targets: [ClosePlan.Target], offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64) throws
            -> [CloseRecord]
        {
            var summary = log
            for _ in 0..<8 {
                let missing = targets.filter { summary.requests["\($0.ob)-\($0.period)"] == nil }
                guard !missing.isEmpty else { break }
                var taken = summary.invoiceNumbers
                for target in missing {
                    let number = InvoiceNumbering.next(
                        catalogs: closer.context.snapshot.catalogs, period: target.period.description,
                        closedAtMs: closedAtMs, after: taken)
                    taken.append(number)
                    try closer.closeLog.append(
                        CloseRecord(
                            kind: .request, ob: target.ob, period: target.period.description, closedAtMs: closedAtMs,
                            forced: target.forced, requester: closer.requester, offsets: offsets,
                            invoiceNumber: number.description
                        ))
                }
                summary = try closer.closeLog.read()
            }
            return targets.compactMap { summary.requests["\($0.ob)-\($0.period)"] }
        }

        /// 3. Wait (bounded) until every partition's newest state has the periods frozen — each
        /// instance freezes them in the partitions it owns when it reads the requests; then
        /// invoice from those states merged.
        func freeze(_ targets: [ClosePlan.Target], records: [CloseRecord], state: PartitionState) throws
            -> CloseExecutor.Freeze
        {
            let deadline = Date().addingTimeInterval(closer.settings.waitSeconds)
            var frozen = try closer.readView(keys)
            var unfrozen = DistributedCloser.unfrozen(frozen, records)
            while !unfrozen.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                frozen = try closer.readView(keys)
                unfrozen = DistributedCloser.unfrozen(frozen, records)
            }
            guard unfrozen.isEmpty else {
                let partitions = unfrozen.map(\.description).joined(separator: ", ")
                return .pending(
                    records.map {
                        "\($0.ob) \($0.period): pending — not yet frozen in \(partitions); the next close finishes it"
                    })
            }
            return .frozen(try frozen.merged(zones: closer.zones))
        }

        /// 4. Write and deliver, then note done. The winning requester writes first; another
        /// closer waits (bounded) for its done note, then renders the same files (left alone when
        /// identical). A key whose done note was awaited in vain once (its requester stopped, or
        /// its delivery failed) is not waited for again: the retries of a failed delivery do not
        /// each sit out the bound.
        ///
        /// The invoice event (`events.*`) is announced by the closer that is about to append the
        /// done note (none was there before it issued), before it appends it; a closer that
        /// found the done note announces only a new revision it wrote.
        func finish(_ request: CloseRecord, issue: (_ announce: Bool) throws -> CloseReport.Invoice) throws
            -> CloseReport.Invoice
        {
            let closeLog = closer.closeLog
            var alreadyDone = try closeLog.read().done[request.key] != nil
            if !alreadyDone && request.requester != closer.requester && !closer.isAbandoned(request.key) {
                let deadline = Date().addingTimeInterval(closer.settings.waitSeconds)
                while !alreadyDone, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.2)
                    alreadyDone = try closeLog.read().done[request.key] != nil
                }
                if !alreadyDone { closer.abandon(request.key) }
            }
            let invoice = try issue(!alreadyDone)
            if !alreadyDone, try closeLog.read().done[request.key] == nil {
                var done = request
                done.kind = .done
                done.requester = closer.requester
                try closeLog.append(done)
            }
            return invoice
        }
    }
}
