import Foundation
import Testing

@testable import Invoicing

/// `verify` reads workbooks someone else may have written: a part's size is checked before it is read.
@Suite("Verifier limits")
struct VerifierLimitsTests {
    static func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A zip archive of one stored entry `name` holding `data` whose headers declare `declared` bytes.
    static func zip(name: String, data: [UInt8], declared: UInt32) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let common =
            le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(0) + le32(UInt32(data.count)) + le32(declared)
            + le16(UInt16(nameBytes.count)) + le16(0)
        let local = le32(0x0403_4b50) + common + nameBytes + data
        let central =
            le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + nameBytes
        let end =
            le32(0x0605_4b50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return local + central + end
    }

    @Test("a workbook part that declares more than 64 MiB is refused before anything is read, naming the part and file")
    func oversizedPart() throws {
        let directory = try TestPaths.temporaryDirectory("verify-limits")
        let path = directory + "/crafted.xlsx"
        for declared in [UInt32(XLSXReader.maxPartBytes + 1), UInt32.max] {
            try Data(Self.zip(name: "xl/workbook.xml", data: Array("<workbook/>".utf8), declared: declared))
                .write(to: URL(fileURLWithPath: path))
            do {
                _ = try XLSXReader(path: path)
                Issue.record("a part declaring \(declared) bytes was read")
            } catch {
                #expect(error.code == .workbook)
                #expect(error.source == path)
                #expect(error.message.contains("xl/workbook.xml declares \(declared) bytes"), "\(error.message)")
            }
        }
    }
}
