import Foundation

/// Reads a whole quarantine: every segment, oldest first, and the requeued marks.
///
/// Records are deduplicated by (topic, partition, offset), the first copy kept (a crash between
/// an append and the checkpoint re-appends the same records). A line that is not a record (a
/// torn line, hand edits) is skipped and reported as `file:line: problem`, never fatal.
package struct QuarantineReader: Sendable {
    package let segments: QuarantineSegments

    package init(path: String) { segments = QuarantineSegments(path: path) }

    /// What the reader found.
    package struct Contents: Sendable {
        /// Distinct records in the order they were quarantined (file order).
        package var records: [QuarantineRecord] = []
        /// Lines skipped, `file:line: problem`.
        package var problems: [String] = []
        /// Copies dropped by the dedup.
        package var duplicates = 0
        /// The segments read, oldest first.
        package var files: [String] = []
        /// Their total size.
        package var bytes = 0
    }

    /// Reads every segment and the marks.
    package func read() -> Contents {
        var contents = Contents()
        var seen: Set<QuarantineRecordID> = []
        let (marks, markProblems) = QuarantineRequeuedMarks.read(path: segments.requeuedPath)
        for file in segments.existing() {
            guard let data = FileManager.default.contents(atPath: file) else {
                contents.problems.append("\(file): cannot be read")
                continue
            }
            contents.files.append(file)
            contents.bytes += data.count
            Self.parse(data, file: file) { result in
                switch result {
                case .success(var record):
                    guard seen.insert(record.id).inserted else {
                        contents.duplicates += 1
                        return
                    }
                    record.requeued = marks.contains(record.id)
                    contents.records.append(record)
                case .failure(let problem):
                    contents.problems.append(problem.message)
                }
            }
        }
        contents.problems += markProblems
        return contents
    }

    /// Every record of one segment (duplicates included), lines that are not records reported as
    /// `file:line: problem`.
    static func parse(_ data: Data, file: String, _ each: (Result<QuarantineRecord, QuarantineLineError>) -> Void) {
        var number = 0
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            number += 1
            if line.isEmpty { continue }
            if index == lines.count - 1 {
                // No newline after it: a torn or still-being-written line.
                each(.failure(QuarantineLineError("\(file):\(number): incomplete line (no newline)")))
                continue
            }
            switch QuarantineRecord.parse(line) {
            case .success(var record):
                record.location = "\(file):\(number)"
                each(.success(record))
            case .failure(let error):
                each(.failure(QuarantineLineError("\(file):\(number): \(error.message)")))
            }
        }
    }

    /// The records of one segment, for the rotation's "all requeued?" check; `readable` is false
    /// when the file cannot be read or has a line that is not a record.
    static func ids(inSegment file: String) -> (ids: [QuarantineRecordID], readable: Bool) {
        guard let data = FileManager.default.contents(atPath: file) else { return ([], false) }
        var ids: [QuarantineRecordID] = []
        var clean = true
        parse(data, file: file) { result in
            switch result {
            case .success(let record): ids.append(record.id)
            case .failure: clean = false
            }
        }
        return (ids, clean)
    }
}
