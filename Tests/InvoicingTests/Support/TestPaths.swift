import Foundation

/// Paths used by the tests: the repository root (from this file's location) and temporary directories.
enum TestPaths {
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var deployCatalog: String { repositoryRoot + "/deploy/tariffs.yaml" }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "aura-inv-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` to `directory/name` and returns the path.
    @discardableResult
    static func write(_ text: String, to directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
