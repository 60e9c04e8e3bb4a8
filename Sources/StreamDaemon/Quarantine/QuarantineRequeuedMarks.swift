import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `<quarantine>.requeued`: one line per record `aura-billing quarantine requeue` produced back
/// to Kafka and saw acknowledged, `topic<TAB>partition<TAB>offset<TAB>requeued-at-ms`, appended
/// and fsynced after the broker's acknowledgement (so a crash in between only re-produces:
/// the daemon's dedup absorbs the second copy).
package enum QuarantineRequeuedMarks {
    /// The marks in `path` (none when the file does not exist); unreadable lines are reported as
    /// `file:line: problem` and skipped.
    package static func read(path: String) -> (marks: Set<QuarantineRecordID>, problems: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var marks: Set<QuarantineRecordID> = []
        var problems: [String] = []
        var number = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty { continue }
            let fields = line.split(separator: "\t")
            guard fields.count >= 3, let partition = Int32(fields[1]), let offset = Int64(fields[2]) else {
                problems.append("\(path):\(number): not a requeued mark")
                continue
            }
            marks.insert(QuarantineRecordID(topic: String(fields[0]), partition: partition, offset: offset))
        }
        return (marks, problems)
    }

    /// Appends one mark per id and fsyncs the file.
    package static func append(_ ids: [QuarantineRecordID], atMs: Int64, path: String) throws(DaemonError) {
        guard !ids.isEmpty else { return }
        var text = ""
        for id in ids { text += "\(id.topic)\t\(id.partition)\t\(id.offset)\t\(atMs)\n" }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot open the requeued marks", path) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var done = 0
            while done < buffer.count {
                // Writes stay within `buffer`; the pointer does not escape this closure.
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
        guard written else { throw failure("cannot write the requeued marks", path) }
        guard fsync(fd) == 0 else { throw failure("cannot fsync the requeued marks", path) }
    }

    private static func failure(_ what: String, _ path: String) -> DaemonError {
        let code = errno
        return DaemonError(.quarantine, "\(what): \(String(cString: strerror(code))) (errno \(code))", source: path)
    }
}
