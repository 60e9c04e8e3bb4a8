import Foundation
import Logging
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Runs the real `aura-billing broker` executable, as a developer would.
@Suite("aura-billing broker")
struct BrokerCommandTests {
    /// The executable built beside the test bundle (`swift build --build-tests` builds both).
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "aura-billing")
    }

    @Test("prints its bootstrap address first, serves Kafka clients, and exits 0 on SIGTERM")
    func brokerServesAndStops() async throws {
        let binary = Self.executable
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path), "build the executable first: \(binary.path)")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["broker", "--brokers", "2", "--topic", "aura.cmd:3"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line is the bootstrap list; reading blocks until the broker prints it.
        let firstLine = try await Blocking.run { () -> String in
            var bytes: [UInt8] = []
            while let chunk = try stdout.fileHandleForReading.read(upToCount: 1), let byte = chunk.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let brokers = firstLine.split(separator: ",")
        #expect(brokers.count == 2)
        #expect(brokers.allSatisfy { $0.hasPrefix("127.0.0.1:") })

        // A real client can produce to the pre-created topic and read it back.
        let logger = Logger(label: "test.broker")
        let got = try await Blocking.run { () -> [String] in
            let producer = try KafkaProducer(properties: ["bootstrap.servers": firstLine], logger: logger)
            for i in 0..<30 {
                try producer.produce(topic: "aura.cmd", partition: Int32(i % 3), key: nil, value: Array("x\(i)".utf8))
            }
            try producer.flush(timeoutMs: 20_000)
            let consumer = try KafkaConsumer(
                properties: [
                    "bootstrap.servers": firstLine, "group.id": "cmd", "auto.offset.reset": "earliest",
                    "session.timeout.ms": "6000", "fetch.wait.max.ms": "10",
                ], logger: logger)
            try consumer.subscribe(["aura.cmd"])
            var values: [String] = []
            let deadline = Date().addingTimeInterval(30)
            while values.count < 30 && Date() < deadline {
                _ = try consumer.poll(maxMessages: 100, timeoutMs: 100) {
                    values.append(String(decoding: $0.value, as: UTF8.self))
                }
            }
            try consumer.close()
            return values
        }
        #expect(Set(got) == Set((0..<30).map { "x\($0)" }))

        process.terminate()  // SIGTERM
        try await Blocking.run { process.waitUntilExit() }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test(
        "--help works on every subcommand",
        arguments: ["run", "demo", "replay", "close", "verify", "validate-config", "broker"])
    func helpWorks(subcommand: String) async throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [subcommand, "--help"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = try await Blocking.run {
            String(decoding: try out.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
        }
        try await Blocking.run { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        #expect(text.contains("USAGE: aura-billing \(subcommand)"))
    }
}
