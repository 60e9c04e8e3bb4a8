import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Checks the demo month generator's bytes and its own expected totals against the shared test
/// data generator's independent, strict Avro decoder (`scripts/datagen/aura_datagen.py verify`).
@Suite("Demo month generator")
struct DemoMonthGeneratorTests {
    /// Repository root (this file is Tests/StreamDaemonTests/<name>.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func generateAll(seed: UInt64, month: String, audit: Int, gateway: Int) throws -> (
        [DemoMessage], DemoExpectedTotals
    ) {
        var generator = try DemoMonthGenerator(seed: seed, month: month, auditEvents: audit, gatewayEvents: gateway)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        return (messages, generator.expected)
    }

    @Test("the same seed gives the same bytes, another seed different ones")
    func determinism() throws {
        let (first, firstTotals) = try Self.generateAll(seed: 42, month: "2026-10", audit: 3000, gateway: 1000)
        let (second, secondTotals) = try Self.generateAll(seed: 42, month: "2026-10", audit: 3000, gateway: 1000)
        let (other, _) = try Self.generateAll(seed: 43, month: "2026-10", audit: 3000, gateway: 1000)
        #expect(first.count == 4000)
        #expect(first.map(\.value) == second.map(\.value))
        #expect(first.map(\.key) == second.map(\.key))
        #expect(first.map(\.topic) == second.map(\.topic))
        #expect(firstTotals.auditGroups == secondTotals.auditGroups)
        #expect(firstTotals.audit == secondTotals.audit)
        #expect(first.map(\.value) != other.map(\.value))
    }

    @Test("a bad month is refused with a usage error")
    func badMonth() {
        for month in ["2026-13", "2026-1", "26-10", "october"] {
            #expect(throws: DaemonError.self) {
                _ = try DemoMonthGenerator(seed: 1, month: month, auditEvents: 10, gatewayEvents: 10)
            }
        }
    }

    @Test(
        "frames decode with the independent Python decoder and match the expected totals",
        arguments: ["2026-10", "2027-03"])
    func independentDecoder(month: String) throws {
        let (messages, expected) = try Self.generateAll(seed: 7, month: month, audit: 20_000, gateway: 6_000)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "demo-gen-\(month)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var frames: [DemoMessage.Topic: [UInt8]] = [.audit: [], .gateway: []]
        var bad: [UInt8] = []
        var manifest: [[String: Any]] = []
        var counts: [DemoMessage.Topic: Int] = [:]
        for message in messages {
            counts[message.topic, default: 0] += 1
            // The key is the record's first string (INTERACTION_ID / MESSAGE_ID), read here
            // independently of the generator.
            if let kind = message.corruption {
                manifest.append(["index": manifest.count, "kind": kind.rawValue])
                Self.appendFrame(message.value, to: &bad)
            } else {
                #expect(message.value.count > 6 && message.value[5] == 72)
                #expect(Array(message.value[6..<42]) == message.key)
                Self.appendFrame(message.value, to: &frames[message.topic, default: []])
            }
        }
        #expect(counts[.audit] == 20_000 && counts[.gateway] == 6_000)
        #expect(expected.audit.messages == 20_000 && expected.gateway.messages == 6_000)
        #expect(manifest.count == expected.audit.corrupt + expected.gateway.corrupt)
        #expect(expected.audit.corrupt >= 3 && expected.gateway.corrupt >= 3)
        #expect(expected.audit.duplicates > 0 && expected.gateway.duplicates > 0)
        #expect(expected.audit.late > 0)

        // Registry of writer schemas by id, from the schemas shipped in deploy/schemas.
        var registry: [String: Any] = [:]
        for (id, file) in [(1, "Aura_Audit.avsc"), (2, "Aura_Audit.v2.avsc"), (3, "Aura_Gateway_Message.avsc")] {
            let text = try String(
                contentsOf: Self.root.appendingPathComponent("deploy/schemas/\(file)"), encoding: .utf8)
            registry[String(id)] = ["file": file, "schema": text]
        }
        let registryData = try JSONSerialization.data(withJSONObject: registry)
        let registryURL = dir.appendingPathComponent("registry.json")
        try registryData.write(to: registryURL)
        let badURL = dir.appendingPathComponent("corrupt.bad.frames")
        try Data(bad).write(to: badURL)
        try JSONSerialization.data(withJSONObject: ["frames": manifest]).write(
            to: dir.appendingPathComponent("corrupt.bad.json"))

        for topic in DemoMessage.Topic.allCases {
            let name = topic == .audit ? "audit.frames" : "gateway.frames"
            let url = dir.appendingPathComponent(name)
            try Data(frames[topic] ?? []).write(to: url)
            try expected.truthJSON(for: topic).write(
                to: dir.appendingPathComponent(name + ".truth.json"), atomically: true, encoding: .utf8)
            var arguments = [
                Self.root.appendingPathComponent("scripts/datagen/aura_datagen.py").path, "verify", url.path,
                "--frames", "--registry", registryURL.path,
            ]
            if topic == .audit { arguments += ["--bad", badURL.path] }
            let (status, output) = try Self.run("/usr/bin/env", ["python3"] + arguments)
            #expect(status == 0, "aura_datagen.py verify \(name): \(output)")
            #expect(output.contains(": OK ("), "\(output)")
            if topic == .audit {
                #expect(output.contains("0 accepted by the strict decoder"), "\(output)")
            }
        }

        // Late rows are exactly the verified groups of the previous month.
        let previous = Self.previousMonth(month)
        #expect(
            expected.auditGroups.filter { $0.period == previous }.reduce(0) { $0 + $1.queries } == expected.audit.late)
        #expect(
            expected.gatewayGroups.filter { $0.period == previous }.reduce(0) { $0 + $1.messages }
                == expected.gateway.late)
        // Every OB has traffic in the target month, and the skew holds (ESP above URY).
        let byOB = Dictionary(grouping: expected.queriesByOBPeriod.filter { $0.period == month }, by: \.ob)
            .mapValues { $0.reduce(0) { $0 + $1.queries } }
        #expect(byOB.count == 12)
        #expect((byOB["ESP"] ?? 0) > 5 * (byOB["URY"] ?? 0))
        // Requests derive from the gateway groups.
        #expect(expected.requestGroups.reduce(0) { $0 + $1.messages } == expected.gateway.unique)
    }

    @Test("timestamps carry the OB's offset at that instant, across the DST change")
    func offsetsAcrossDST() throws {
        // Europe/Madrid leaves summer time on 2026-10-25 at 01:00 UTC.
        let zone = try DemoZoneTable(identifier: "Europe/Madrid", year: 2026, month: 10)
        let before: Int64 = 1_792_890_000_000 - 1  // 2026-10-25T00:59:59.999Z
        #expect(zone.offsetSeconds(at: before) == 7200)
        #expect(zone.offsetSeconds(at: before + 1) == 3600)
        var buffer: [UInt8] = []
        _ = DemoAvroEncoding.appendTimestamp(
            ms: before, offsetSeconds: zone.offsetSeconds(at: before), utc: false, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "2026-10-25T02:59:59.999+02:00")
        buffer.removeAll()
        _ = DemoAvroEncoding.appendTimestamp(
            ms: before + 1, offsetSeconds: zone.offsetSeconds(at: before + 1), utc: false, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "2026-10-25T02:00:00.000+01:00")
        // Local month start: 2026-10-01T00:00+02:00 = 2026-09-30T22:00Z.
        #expect(zone.monthStarts[1] == 1_790_805_600_000)
        let lima = try DemoZoneTable(identifier: "America/Lima", year: 2026, month: 10)
        buffer.removeAll()
        _ = DemoAvroEncoding.appendTimestamp(
            ms: lima.monthStarts[2] - 1, offsetSeconds: lima.offsetSeconds(at: lima.monthStarts[2] - 1), utc: false,
            to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "2026-10-31T23:59:59.999-05:00")
    }

    // MARK: - Helpers

    static func appendFrame(_ frame: [UInt8], to file: inout [UInt8]) {
        let n = UInt32(frame.count)
        file += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        file += frame
    }

    static func previousMonth(_ month: String) -> String {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        let index = parts[0] * 12 + parts[1] - 2
        let m = index % 12 + 1
        return "\(index / 12)-\(m < 10 ? "0" : "")\(m)"
    }

    /// Runs a process to completion, returning its status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
