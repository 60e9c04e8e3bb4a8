public import Foundation

/// Delivers invoice files into a local directory as `<dir>/<OB>/<YYYY-MM>/<file>`; never overwrites
/// a different existing file. Blocking: call off the cooperative pool.
public struct LocalDirectoryDelivery: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Stores `data` as `name` (a relative path such as `ESP/2026-10/manifest.json`).
    public func put(name: String, data: Data) throws(InvoicingError) -> DeliveryOutcome {
        let path = (directory as NSString).appendingPathComponent(name)
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing == data else {
                throw InvoicingError(.delivery, "a different file already exists; refusing to overwrite", source: path)
            }
            return .alreadyPresent(path)
        }
        try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent)
        try AtomicFile.write(data, to: path)
        return .delivered(path)
    }
}
