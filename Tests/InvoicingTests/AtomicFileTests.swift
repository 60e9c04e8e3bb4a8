import Foundation
import Testing

@testable import Invoicing

@Suite("AtomicFile")
struct AtomicFileTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aura-atomic-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("makeDirectory creates every missing component and accepts the ones that exist")
    func makeDirectoryCreatesParents() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nested = root + "/ESP/2026-10/x"
        try AtomicFile.makeDirectory(nested)
        try AtomicFile.makeDirectory(nested)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        try AtomicFile.write(Data("a".utf8), to: nested + "/file")
        #expect(try String(contentsOfFile: nested + "/file", encoding: .utf8) == "a")
    }

    @Test("makeDirectory through a regular file fails naming the component it could not create")
    func makeDirectoryThroughAFileFails() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: root + "/file"))
        let error = #expect(throws: InvoicingError.self) { try AtomicFile.makeDirectory(root + "/file/sub") }
        #expect(error?.source == root + "/file/sub")
        #expect(error?.code == .io)
    }

    @Test("a write into a missing directory fails and leaves no temporary behind")
    func writeIntoMissingDirectoryFails() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: InvoicingError.self) { try AtomicFile.write(Data("a".utf8), to: root + "/missing/file") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }
}
