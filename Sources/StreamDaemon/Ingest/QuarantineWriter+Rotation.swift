import Foundation
import Logging
import Prometheus

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension QuarantineWriter {
    /// Renames the active segment to the next `<path>.<n>` (after an fsync, so the rotated
    /// segment is durable whatever the checkpoints do next), leaves the active one to be created
    /// again by the caller, and enforces `limits.maxFiles`.
    func rotate() throws {
        guard let segments, let file else { return }
        try file.sync()
        let number = (segments.rotatedNumbers().last ?? 0) + 1
        let target = segments.rotatedPath(number)
        guard rename(segments.path, target) == 0 else {
            let code = errno
            throw DaemonError(
                .quarantine, "cannot rotate the quarantine file to \(target): \(String(cString: strerror(code)))",
                source: segments.path)
        }
        self.file = nil
        fileSize = 0
        logger?.notice(
            "quarantine segment rotated",
            metadata: ["segment": "\(target)", "max_file_bytes": "\(limits.maxFileBytes)"])
        enforceBound(segments)
    }

    /// Past `limits.maxFiles` segments, deletes the oldest rotated segments whose every record is
    /// marked requeued; a segment holding anything else is never deleted: the quarantine then
    /// stays over its bound, logged and counted (`aura_quarantine_over_bound_total`), and
    /// `aura_quarantine_bytes` keeps growing for the alert.
    func enforceBound(_ segments: QuarantineSegments) {
        let rotated = segments.rotatedNumbers()
        var excess = rotated.count + 1 - limits.maxFiles
        guard excess > 0 else { return }
        let marks = QuarantineRequeuedMarks.read(path: segments.requeuedPath).marks
        for number in rotated where excess > 0 {
            let path = segments.rotatedPath(number)
            let (ids, readable) = QuarantineReader.ids(inSegment: path)
            guard readable, ids.allSatisfy(marks.contains) else { continue }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard unlink(path) == 0 else { continue }
            totalBytes = max(0, totalBytes - bytes)
            excess -= 1
            logger?.notice(
                "deleted a fully requeued quarantine segment",
                metadata: ["segment": "\(path)", "records": "\(ids.count)"])
        }
        metrics?.quarantineBytes.set(to: Double(totalBytes))
        guard excess > 0 else { return }
        metrics?.quarantineOverBound.increment()
        logger?.warning(
            "quarantine over its bound: every older segment holds records not requeued; nothing deleted",
            metadata: [
                "segments": "\(rotated.count + 1)", "max_files": "\(limits.maxFiles)", "bytes": "\(totalBytes)",
                "hint": "aura-billing quarantine summary / requeue",
            ])
    }
}
