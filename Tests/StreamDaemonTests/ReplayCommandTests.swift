import Foundation
import Testing

/// Runs the real `aura-billing replay` executable on the datagen fixtures. (Kill and resume:
/// ReplayKillTests.)
@Suite("aura-billing replay")
struct ReplayCommandTests {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "aura-billing")
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("AvroTests/Fixtures")

    /// Runs the command; returns (exit status, stdout).
    static func replay(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["replay"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("--format json prints the truth file's groups, sorted, app null where absent")
    func json() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let audit = Self.fixtures.appendingPathComponent("audit-2k.deflate.avro").path
        let (status, output) = try Self.replay(["--format", "json", audit])
        #expect(status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let truthData = try Data(contentsOf: Self.fixtures.appendingPathComponent("audit-2k.deflate.avro.truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: truthData) as? [String: Any])
        #expect(object["records"] as? Int == truth["total_records"] as? Int)
        #expect(object["duplicates"] as? Int == truth["duplicates_dropped"] as? Int)
        var expected: [String] = []
        for g in try #require(truth["groups"] as? [[Any]]) {
            expected.append("\(g[0])|\(g[1])|\(g[2])|\(g[3] as? String ?? "null")|\(g[4])|\(g[5])")
        }
        var actual: [String] = []
        for row in try #require(object["audit"] as? [[String: Any]]) {
            let app = row["app"] is NSNull ? "null" : "\(row["app"]!)"
            actual.append(
                "\(row["ob"]!)|\(row["period"]!)|\(row["component"]!)|\(app)|\(row["service"]!)|\(row["queries"]!)")
        }
        #expect(actual.sorted() == expected.sorted())
        #expect(actual.contains { $0.contains("|null|") })
    }

    @Test("--format table starts with the totals of both files")
    func table() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let files = ["audit-2k.null.avro", "gateway-2k.deflate.avro"].map {
            Self.fixtures.appendingPathComponent($0).path
        }
        let (status, table) = try Self.replay(["--format", "table"] + files)
        #expect(status == 0)
        #expect(table.hasPrefix("records 4000  duplicates 40"))
    }
}
