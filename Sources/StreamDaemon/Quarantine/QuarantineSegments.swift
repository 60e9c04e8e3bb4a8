import Foundation

/// The files of one quarantine: the active segment `<path>` and the rotated ones `<path>.1`,
/// `<path>.2`, … (a higher number is a newer segment; numbers are never reused, so a rotation is
/// one rename and a segment keeps its name until it is deleted), plus `<path>.requeued`, the
/// marks of the records `aura-billing quarantine requeue` produced back to Kafka.
package struct QuarantineSegments: Sendable {
    /// The active segment (`quarantine.file`, default `<state.dir>/quarantine.jsonl`).
    package let path: String

    package init(path: String) { self.path = path }

    /// The append-only file of requeued marks.
    package var requeuedPath: String { path + ".requeued" }

    /// The path of rotated segment `number`.
    package func rotatedPath(_ number: Int) -> String { "\(path).\(number)" }

    /// The numbers of the rotated segments on disk, oldest first.
    package func rotatedNumbers() -> [Int] {
        let url = URL(fileURLWithPath: path)
        let prefix = url.lastPathComponent + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            let suffix = name.dropFirst(prefix.count)
            guard !suffix.isEmpty, suffix.allSatisfy(\.isASCII), suffix.allSatisfy(\.isNumber) else { return nil }
            return Int(suffix)
        }.sorted()
    }

    /// Every segment that exists, oldest first (rotated ones, then the active one).
    package func existing() -> [String] {
        var paths = rotatedNumbers().map(rotatedPath)
        if FileManager.default.fileExists(atPath: path) { paths.append(path) }
        return paths
    }

    /// The bytes of every segment.
    package func totalBytes() -> Int {
        existing().reduce(0) { sum, file in
            sum + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}
