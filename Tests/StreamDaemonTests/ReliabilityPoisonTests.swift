import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18, `poison-pill`: a generated month mixed with poison messages — megabyte-long id, app
/// and OB fields, 10,000 distinct OB codes (half malformed, half well-formed but unknown) and
/// random schema ids. The daemon quarantines each with its reason, never restarts (one process
/// throughout) and bills the good events exactly. Its throughput is timed against a run of the
/// same good events alone; the goal, within 2×, is a known issue for now (see the test).
@Suite("Reliability: poison pill", .serialized)
struct ReliabilityPoisonTests {
    /// A poison message and the quarantine reason it must get.
    struct Poison {
        let message: DemoMessage
        let reason: String
    }

    /// The daemon's environment in both runs: the harness's checkpoint cadence (every 3,000 events
    /// or second), not the reliability scenarios' 600, which are there to place kills between
    /// checkpoints; this scenario kills nothing.
    static let environment = DaemonHarness.reliabilityEnvironment(["CHECKPOINT_INTERVAL_EVENTS": "3000"])

    /// Just under librdkafka's default `message.max.bytes` (1,000,000) with the frame around it.
    static let megabyte = 990_000
    static let time = "2026-10-15T12:00:00.000+02:00"

    /// An `Aura_Audit` v1 frame (schema id 1) with the fields billing reads; the rest null.
    static func auditFrame(id: String, app: String?, ob: String, component: String) -> [UInt8] {
        // Field order of Aura_Audit v1; nulls for AURA_CHANNEL_ID, AURA_PRESET_NAME and the five
        // optional fields after AURA_COMPONENT_ID; AURA_SERVICE_NAME_CD index 0 ("message").
        var body = DemoAvroEncoding.string(id) + DemoAvroEncoding.string(time) + [0]
        body += DemoAvroEncoding.optionalString(app) + DemoAvroEncoding.string(ob) + [0]
        body += [0] + DemoAvroEncoding.string(component) + [0, 0, 0, 0, 0]
        return [0, 0, 0, 0, 1] + body + DemoAvroEncoding.string("2026-10-15")
    }

    /// An `Aura_Gateway_Message` frame (schema id 3).
    static func gatewayFrame(id: String, app: String?, ob: String) -> [UInt8] {
        var body = DemoAvroEncoding.string(id) + DemoAvroEncoding.string(time)
        body += DemoAvroEncoding.optionalString(app) + DemoAvroEncoding.string(ob) + [0, 0]  // corr, NLP false
        body += [0, 0, 0, 0] + DemoAvroEncoding.string("2026-10-15")  // preset, host, component, version
        return [0, 0, 0, 0, 3] + body
    }

    /// Every poison message of the scenario (seeded).
    static func poison(seed: UInt64) -> [Poison] {
        var out: [Poison] = []
        func audit(
            _ id: String, app: String? = "poison-app", ob: String = "ESP", component: String = "aura-nlp",
            reason: String
        ) {
            let value = auditFrame(id: id, app: app, ob: ob, component: component)
            out.append(
                Poison(
                    message: DemoMessage(topic: .audit, key: Array(id.prefix(32).utf8), value: value), reason: reason))
        }
        // Megabyte-long fields (two of each kind, audit and gateway).
        for i in 0..<2 {
            let huge = String(repeating: Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(i))), count: megabyte)
            audit("mb-app-\(i)", app: huge, reason: "field-too-long")
            audit("mb-component-\(i)", component: huge, reason: "field-too-long")
            audit(huge, reason: "field-too-long")
            audit("mb-ob-\(i)", ob: huge, reason: "bad-ob-code")
            out.append(
                Poison(
                    message: DemoMessage(
                        topic: .gateway, key: Array("mb-gw-\(i)".utf8),
                        value: gatewayFrame(id: huge, app: nil, ob: "BRA")),
                    reason: "field-too-long"))
            out.append(
                Poison(
                    message: DemoMessage(
                        topic: .gateway, key: Array("mb-gw-app-\(i)".utf8),
                        value: gatewayFrame(id: "mb-gw-app-\(i)", app: huge, ob: "BRA")),
                    reason: "field-too-long"))
        }
        // 10,000 distinct OB codes: 5,000 well-formed ones no zone table knows, 5,000 malformed.
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var wellFormed = 0
        var code = 26 * 26 * 16  // from "QAA" on: none of the generator's OBs
        while wellFormed < 5_000 {
            let ob = String([letters[code / 676 % 26], letters[code / 26 % 26], letters[code % 26]])
            code += 1
            guard OBTimeZones.datagenZones[ob] == nil else { continue }
            audit("unknown-ob-\(ob)", ob: ob, reason: "unknown-time-zone")
            wellFormed += 1
        }
        for i in 0..<5_000 {
            let ob = i % 2 == 0 ? "\(i)" : String(letters[i % 26]).lowercased() + "x\(i)"
            audit("bad-ob-\(i)", ob: ob, reason: "bad-ob-code")
        }
        // Random schema ids (none of the configured 1, 2, 3).
        var random = SplitMix64(seed: seed)
        for i in 0..<500 {
            let id = Int32(truncatingIfNeeded: random.next() % 1_000_000 + 4)
            var value: [UInt8] = [0]
            DemoAvroEncoding.appendBigEndian(id, to: &value)
            value += [UInt8](repeating: UInt8(truncatingIfNeeded: random.next()), count: 40)
            out.append(
                Poison(
                    message: DemoMessage(
                        topic: i % 2 == 0 ? .audit : .gateway, key: Array("schema-\(i)".utf8), value: value),
                    reason: "unknown-schema-id"))
        }
        return out
    }

    /// Starts the daemon on empty topics, waits until its partitions are assigned, then produces `messages` as fast as one producer can and times until its consumed
    /// counter reaches their number: messages per second, seconds and the daemon's process id
    /// when it started (nil on timeout). Timing a
    /// live feed, not a backlog, keeps the daemon's poll batches small, so its consumed counter
    /// (updated after every poll) follows the progress closely.
    static func timedFeed(_ harness: DaemonHarness, _ messages: [DemoMessage]) throws -> (
        rate: Double, seconds: Double, pid: Int32
    )? {
        try harness.start(environment: Self.environment)
        // All 12 partitions assigned and their (empty) states loaded.
        let assigned = harness.wait(seconds: 60) {
            harness.log.components(separatedBy: "partition state loaded").count - 1 >= 12
        }
        guard let pid = harness.pid, assigned else { return nil }
        let feed = try ReliabilityFeed(harness: harness, messages: messages)
        let start = Date()
        while feed.remaining > 0 { try feed.produce(upTo: feed.cursor + 2_000, flush: false) }
        try feed.flush()
        guard harness.pollFast(seconds: 120, until: { harness.consumedThisRun >= Double(messages.count) }) else {
            return nil
        }
        let seconds = Date().timeIntervalSince(start)
        return (Double(messages.count) / seconds, seconds, pid)
    }

    @Test(
        "poison messages (megabyte fields, 10k distinct OB codes, random schema ids) are quarantined with their reasons, by one process that bills the good events exactly; throughput against a normal run is reported"
    )
    func poisonPill() throws {
        // 100k good messages (the `--long` month): consumption lasts long enough to time.
        let month = try ReliabilityMonth.make(seed: 61, audit: 80_000, gateway: 20_000)
        let good = month.messages.count

        // The same good events alone: the normal throughput.
        let normal = try DaemonHarness()
        let normalRun = try #require(try Self.timedFeed(normal, month.messages), "normal run stalled:\n\(normal.log)")
        #expect(normal.waitCaughtUp(good), "not caught up:\n\(normal.log)")
        #expect(normal.stop(signal: SIGTERM) == 0)
        #expect(normal.mismatches(month).isEmpty)

        // The good events with the poison at seeded places.
        let poison = Self.poison(seed: 62)
        var messages = month.messages
        var random = SplitMix64(seed: 63)
        for p in poison { messages.insert(p.message, at: Int(random.next() % UInt64(messages.count + 1))) }
        var outcome = ReliabilityOutcome("poison-pill")
        outcome.eventsIn = messages.count
        outcome.faults = poison.count

        let harness = try DaemonHarness()
        let poisonRun = try #require(try Self.timedFeed(harness, messages), "stalled:\n\(harness.log)")
        outcome.runs += 1
        let pid = poisonRun.pid
        #expect(harness.waitCaughtUp(messages.count), "not caught up:\n\(harness.log)")
        #expect(harness.pid == pid && harness.process?.isRunning == true, "the daemon restarted or died")
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        var problems = month.mismatches(merged, extraQuarantined: poison.count)
        let quarantine = try String(
            contentsOf: harness.directory.appendingPathComponent("quarantine.jsonl"), encoding: .utf8)
        var reasons: [String: [String]] = [:]
        for line in quarantine.split(separator: "\n") {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let value = try #require(record["value_base64"] as? String)
            reasons[value, default: []].append(record["reason"] as? String ?? "")
        }
        var byReason: [String: Int] = [:]
        for p in poison {
            let found = reasons[Data(p.message.value).base64EncodedString()] ?? []
            if found != [p.reason] {
                problems.append(
                    "\(String(decoding: p.message.key, as: UTF8.self)): quarantined as \(found), expected \(p.reason)")
            }
            byReason[p.reason, default: 0] += 1
        }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")

        // Throughput in messages per second, poison run against the normal one.
        let ratio = normalRun.rate / poisonRun.rate
        // Quarantine lines are written by hand (`QuarantineRecord.line`): a poison message costs
        // about what counting an event does, so the poison run keeps within 2× of the normal one.
        #expect(ratio <= 2, "poison run \(poisonRun.rate) msg/s, normal \(normalRun.rate) msg/s")

        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        let counts = byReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        outcome.detail =
            "quarantined \(counts); one process (pid \(pid)); throughput \(Int(poisonRun.rate)) msg/s vs \(Int(normalRun.rate)) normal, ratio \(String(format: "%.2f", ratio)) (good events alone \(String(format: "%.2f", normalRun.seconds)) s, with poison \(String(format: "%.2f", poisonRun.seconds)) s)"
        outcome.record()
    }
}
